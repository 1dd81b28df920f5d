using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zespan.Samples.Serverless;

// A short-lived process handling one invocation, as a serverless platform would run it:
//   dotnet run --project src/Zespan.DevServer -- --api-key zsp_dev   (in another terminal)
//   dotnet run --project samples/Zespan.Samples.Serverless -- "Where is my parcel?"
var message = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "Summarize my last order in one sentence.";
using var host = FunctionHost.Build(args.Where(static a => a.StartsWith("--", StringComparison.Ordinal)).ToArray());
await host.StartAsync();

var function = host.Services.GetRequiredService<SupportFunction>();
var invocation = new Invocation(RequestId: Guid.NewGuid().ToString("N"), UserId: "serverless-user", Message: message);
var result = await function.HandleAsync(invocation);

Console.WriteLine($"reply: {result.Reply}");
Console.WriteLine($"trace: {result.TraceId}");
Console.WriteLine(result.Flushed
    ? "flush: delivered before the handler returned"
    : "flush: NOT delivered (is the Zespan server at Zespan:BaseUrl running?)");

await host.StopAsync();
return result.Flushed ? 0 : 1;
