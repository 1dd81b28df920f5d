using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// The delivery figures are a bounded load run of minutes, not a BenchmarkDotNet benchmark:
// dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- delivery [--outage-seconds 300]
if (args.Length > 0 && args[0] == "delivery")
{
    return await Zespan.Benchmarks.DeliveryLoad.RunAsync(args).ConfigureAwait(false);
}

// Benchmarks run with the in-process toolchain (chosen when BenchmarkDotNet 0.14.0, which predates .NET 10, was used;
// kept with 0.15.8 so figures stay comparable).
// Run: dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- --filter '*'
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
