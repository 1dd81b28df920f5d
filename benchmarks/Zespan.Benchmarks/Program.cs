using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

// The delivery figures are a bounded load run of minutes, not a BenchmarkDotNet benchmark:
// dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- delivery [--outage-seconds 300]
if (args.Length > 0 && args[0] == "delivery")
{
    return await Zespan.Benchmarks.DeliveryLoad.RunAsync(args).ConfigureAwait(false);
}

// BenchmarkDotNet 0.15.8 on its default toolchain: each benchmark class runs in a process of its own, built for it.
// Run: dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- --filter '*'
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
