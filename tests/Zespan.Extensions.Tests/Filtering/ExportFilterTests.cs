using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Filtering.Internal;
using Zespan.Extensions.Redaction.Internal;
using Zespan.Extensions.Tests.Tracing;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Filtering;

public class ExportFilterTests
{
    public static TheoryData<string, string?, string?, string[], bool> Cases => new()
    {
        // eq (also the empty operator), numbers compare as numbers
        { "status_code", "eq", "200", [], true },
        { "status_code", "", "200", [], true },
        { "status_code", null, "200.0", [], true },
        { "status_code", "eq", "201", [], false },
        { "model", "eq", "gpt-4o-mini", [], true },
        { "model", "EQ", "GPT-4o-mini", [], false },
        // not
        { "model", "not", "gpt-4o", [], true },
        { "model", "not", "gpt-4o-mini", [], false },
        // ordering
        { "latency", "gt", "1", [], true },
        { "latency", "gt", "1.25", [], false },
        { "latency", "gte", "1.25", [], true },
        { "latency", "lt", "2", [], true },
        { "latency", "lt", "1", [], false },
        { "latency", "lte", "1.25", [], true },
        { "cost", "lt", "0.01", [], true },
        { "cost", "gt", "2e-3", [], false },
        { "prompt_tokens", "lte", "120", [], true },
        { "completion_tokens", "gt", "100", [], false },
        { "tags.version", "gt", "9", [], true },
        { "tags.build", "gt", "9", [], false },
        { "model", "gt", "gpt", [], true },
        { "model", "lt", "gpt", [], false },
        // text operators
        { "model", "contains", "4o", [], true },
        { "model", "contains", "4O", [], false },
        { "model", "icontains", "4O-MINI", [], true },
        { "model", "startswith", "gpt", [], true },
        { "model", "startswith", "claude", [], false },
        { "model", "endswith", "mini", [], true },
        { "model", "endswith", "max", [], false },
        { "status_code", "startswith", "2", [], true },
        { "name", "regex", "^openai\\.chat", [], true },
        { "name", "regex", "anthropic", [], false },
        // in / not_in
        { "provider", "in", null, ["anthropic", "openai"], true },
        { "provider", "in", null, ["google"], false },
        { "provider", "not_in", null, ["google"], true },
        { "provider", "not_in", null, ["openai"], false },
        { "status_code", "in", null, ["200.0", "500"], true },
        // empty / not_empty
        { "customer_identifier", "empty", null, [], true },
        { "customer_identifier", "not_empty", null, [], false },
        { "tags.blank", "empty", null, [], true },
        { "model", "not_empty", null, [], true },
        { "model", "empty", null, [], false },
        // a missing field
        { "customer_identifier", "eq", "", [], true },
        { "customer_identifier", "eq", "x", [], false },
        { "customer_identifier", "not", "x", [], true },
        { "customer_identifier", "gt", "a", [], false },
        { "customer_identifier", "lt", "z", [], false },
        { "customer_identifier", "contains", "", [], false },
        { "customer_identifier", "regex", ".*", [], false },
        { "customer_identifier", "not_in", null, ["x"], true },
        { "tags.missing", "empty", null, [], true },
        // tags, metadata (direct key, nested path), eval scores, sub-fields, booleans
        { "tags.team", "eq", "search", [], true },
        { "metadata.user.plan", "eq", "pro", [], true },
        { "metadata.a.b", "eq", "dotted", [], true },
        { "metadata.score", "gte", "7", [], true },
        { "metadata.flag", "eq", "false", [], true },
        { "metadata.user", "contains", "\"plan\":\"pro\"", [], true },
        { "metadata.nothing", "empty", null, [], true },
        { "eval_scores.relevance", "gt", "0.5", [], true },
        { "stream", "eq", "true", [], true },
        { "truncated", "eq", "false", [], true },
        { "error", "empty", null, [], true },
        { "log_type", "eq", "generation", [], true },
        { "environment", "eq", "production", [], true },
        { "agent.name", "empty", null, [], true },
        { "completion_message", "icontains", "PARIS", [], true },
        { "prompt_messages", "contains", "capital", [], true },
        { "tags", "gte", "3", [], true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_OperatorTable(string field, string? op, string? value, string[] values, bool expected)
    {
        var filter = Filter(field, op, value, values);
        Assert.Null(ExportFilterCompiler.Validate(filter));
        var compiled = Assert.Single(ExportFilterCompiler.Compile([filter]));

        Assert.Equal(expected, compiled.Matches(SampleEvent(), out var timedOut));
        Assert.False(timedOut);
    }

    [Fact]
    public void Matches_ErrorFields()
    {
        var item = SampleEvent();
        item.Error = new ZespanError("System.TimeoutException", "took too long");
        item.StatusCode = 500;

        Assert.True(Compile("error", "eq", "System.TimeoutException").Matches(item, out _));
        Assert.True(Compile("error.message", "contains", "long").Matches(item, out _));
        Assert.True(Compile("status_code", "gte", "500").Matches(item, out _));
    }

    [Fact]
    public void Matches_RegexThatTimesOut_DoesNotMatchAndDoesNotThrow()
    {
        var item = SampleEvent();
        item.Model = new string('a', 40) + "!";
        var compiled = Compile("model", "regex", @"^(\w+\s?)*$");

        var matched = compiled.Matches(item, out var timedOut);

        Assert.False(matched);
        Assert.True(timedOut);
    }

    public static TheoryData<string, string?, string?, string[], string> Invalid => new()
    {
        { "", "eq", "x", [], "has no Field" },
        { "stauts_code", "eq", "200", [], "has an unknown Field 'stauts_code'" },
        { "tags.", "eq", "x", [], "has an unknown Field" },
        { "model", "like", "x", [], "has an unknown Operator 'like'" },
        { "model", "in", null, [], "has Operator 'in' but no Values" },
        { "latency", "gt", null, [], "has Operator 'gt' but no Value" },
        { "model", "regex", "([unclosed", [], "not a valid regular expression" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_BadFilter_NamesTheFix(string field, string? op, string? value, string[] values, string expected)
    {
        var filter = Filter(field, op, value, values);

        Assert.Contains(expected, ExportFilterCompiler.Validate(filter), StringComparison.Ordinal);
        Assert.Empty(ExportFilterCompiler.Compile([filter]));
    }

    [Fact]
    public void Process_AllFiltersAnded_NoFiltersKeepsEverything()
    {
        using var none = ZespanTestHost.CreateTracing();
        using var two = ZespanTestHost.CreateTracing(
            ("ExportFilters:0:Field", "log_type"), ("ExportFilters:0:Operator", "in"), ("ExportFilters:0:Values:0", "generation"), ("ExportFilters:0:Values:1", "workflow"),
            ("ExportFilters:1:Field", "latency"), ("ExportFilters:1:Operator", "gte"), ("ExportFilters:1:Value", "1"));
        var keepAll = Processor(none);
        var filtered = Processor(two);
        var slowGeneration = SampleEvent();
        var fastGeneration = SampleEvent();
        fastGeneration.Latency = 0.2;
        var slowTool = SampleEvent();
        slowTool.LogType = LogTypes.Tool;

        Assert.True(keepAll.Process(fastGeneration));
        Assert.True(filtered.Process(slowGeneration));
        Assert.False(filtered.Process(fastGeneration));
        Assert.False(filtered.Process(slowTool));
        Assert.True(filtered.Order < RedactionProcessor.ProcessorOrder);
    }

    [Fact]
    public void Process_FiltersChangedAtRuntime_Recompiled()
    {
        using var harness = ZespanTestHost.CreateTracing(("ExportFilters:0:Field", "model"), ("ExportFilters:0:Value", "gpt-4o-mini"));
        var processor = Processor(harness);
        Assert.True(processor.Process(SampleEvent()));

        harness.SetOption("ExportFilters:0:Value", "claude-haiku-4-5");

        Assert.False(processor.Process(SampleEvent()));
    }

    [Fact]
    public void Process_ParentFilteredOut_ChildStillExported()
    {
        using var harness = ZespanTestHost.CreateTracing(("ExportFilters:0:Field", "log_type"), ("ExportFilters:0:Operator", "not"), ("ExportFilters:0:Value", "workflow"));
        var processor = Processor(harness);

        using (harness.Tracer.StartSpan("parent"))
        {
            harness.Tracer.LogGeneration(new GenerationLog { Model = "m", Name = "child" });
        }

        Assert.False(processor.Process(harness.Single("parent")));
        Assert.True(processor.Process(harness.Single("child")));
    }

    private static ExportFilterProcessor Processor(ZespanTestHost harness) =>
        harness.Services.GetServices<IZespanEventProcessor>().OfType<ExportFilterProcessor>().Single();

    private static CompiledExportFilter Compile(string field, string op, string value) =>
        Assert.Single(ExportFilterCompiler.Compile([Filter(field, op, value, [])]));

    private static ExportFilter Filter(string field, string? op, string? value, string[] values)
    {
        var filter = new ExportFilter { Field = field, Operator = op, Value = value };
        foreach (var v in values)
        {
            filter.Values.Add(v);
        }

        return filter;
    }

    private static ZespanEvent SampleEvent()
    {
        var item = new ZespanEvent
        {
            LogType = LogTypes.Generation,
            Name = "openai.chat.completions",
            Environment = "production",
            Provider = "openai",
            Model = "gpt-4o-mini",
            StatusCode = 200,
            Latency = 1.25,
            Cost = 0.002,
            PromptTokens = 120,
            CompletionTokens = 30,
            Stream = true,
            PromptMessages = [new LlmMessage("user", "What is the capital of France?")],
            CompletionMessage = new LlmMessage("assistant", "Paris."),
            Tags = new Dictionary<string, string> { ["team"] = "search", ["version"] = "10", ["build"] = "10b", ["blank"] = "" },
            Metadata = new Dictionary<string, JsonNode?>
            {
                ["user"] = new JsonObject { ["plan"] = "pro" },
                ["score"] = 7,
                ["a.b"] = "dotted",
                ["flag"] = false,
                ["nothing"] = null,
            },
            EvalScores = new Dictionary<string, double> { ["relevance"] = 0.9 },
        };
        return item;
    }
}
