using Zespan.Samples.WebApi;

// dotnet run --project samples/Zespan.Samples.WebApi   (start the dev server first: dotnet run --project src/Zespan.DevServer -- --api-key zsp_dev)
var app = SampleApp.Build(args);
await app.RunAsync();

/// <summary>The entry point, public so tests can use <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
