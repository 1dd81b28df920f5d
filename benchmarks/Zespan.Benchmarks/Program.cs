using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

// The delivery figures are a bounded load run of minutes, not a BenchmarkDotNet benchmark:
// dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- delivery [--outage-seconds 300]
if (args.Length > 0 && args[0] == "delivery")
{
    return await Zespan.Benchmarks.DeliveryLoad.RunAsync(args).ConfigureAwait(false);
}

// The whole-process cost of a traced call (bare, Zespan, Microsoft.Extensions.AI + OpenTelemetry), interleaved in rounds:
// dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- cost [--calls 2000] [--stream-calls 500] [--rounds 20] [--pause-ms 0]
if (args.Length > 0 && args[0] == "cost")
{
    return await Zespan.Benchmarks.CallCostLoad.RunAsync(args).ConfigureAwait(false);
}

// Ingest gzip level: bytes on the wire and CPU per real batch, NoCompression / Fastest / Optimal / SmallestSize:
// dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- gzip [--calls 1000] [--rounds 15]
if (args.Length > 0 && args[0] == "gzip")
{
    return await Zespan.Benchmarks.GzipLevelLoad.RunAsync(args).ConfigureAwait(false);
}

if (args.Length > 1 && args[0] == "cost-servers")
{
    return await Zespan.Benchmarks.CallCostServers.RunAsync(args[1]).ConfigureAwait(false);
}

// BenchmarkDotNet 0.15.8 on its default toolchain: each benchmark class runs in a process of its own, built for it.
// Run: dotnet run -c Release --project benchmarks/Zespan.Benchmarks -- --filter '*'
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
