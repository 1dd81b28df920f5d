using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Zespan.Extensions.Pricing.Internal;

namespace Zespan.Benchmarks;

/// <summary>
/// The first token estimate of a process: building the o200k_base tokenizer (its vocabulary decompressed from the
/// Microsoft.ML.Tokenizers.Data.O200kBase assembly) and the JIT of the code on the way. Paid once, on the export thread.
/// Meaningful only run alone, in a fresh process: <c>--filter '*TokenizerColdStart*'</c> (the in-process toolchain
/// shares statics with every benchmark run before it).
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class TokenizerColdStartBenchmarks
{
    [Benchmark]
    public int FirstEstimateInProcess() => TiktokenTokenCountEstimator.Instance.CountTokens("gpt-4o-mini", "Where is order 4417?");
}
