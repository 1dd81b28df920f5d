using System.Diagnostics;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>What a framework span is, read from its <c>gen_ai.operation.name</c> (or its name's first word).</summary>
internal enum FrameworkSpanKind
{
    /// <summary>Anything else (a Semantic Kernel span of another kind): not recorded; its children nest through it.</summary>
    Other,

    /// <summary><c>invoke_agent</c>: an <c>agent</c> event.</summary>
    Agent,

    /// <summary><c>execute_tool</c>: a <c>tool</c> event.</summary>
    Tool,

    /// <summary><c>chat</c>, <c>text_completion</c>, <c>generate_content</c>, <c>embeddings</c>: a model call, a <c>generation</c> unless Zespan recorded the call itself.</summary>
    ModelCall,

    /// <summary>A workflow's own spans (<c>invoke_workflow</c>, <c>executor.process</c>, <c>message.send</c>, ...): not recorded; their children nest through them.</summary>
    Workflow,
}

/// <summary>Reads a framework span's <see cref="FrameworkSpanKind"/>.</summary>
internal static class FrameworkSpanKinds
{
    /// <summary>
    /// Classifies <paramref name="activity"/> by what it says now. A Microsoft Agent Framework agent span starts as a
    /// <c>chat</c> span and is renamed <c>invoke_agent</c> before any child starts, so a child's parent lookup and the
    /// span's own end read the final kind.
    /// </summary>
    public static FrameworkSpanKind Classify(Activity activity)
    {
        var operation = activity.GetTagItem(GenAiAttributes.OperationName) as string;
        if (string.IsNullOrEmpty(operation))
        {
            var name = activity.DisplayName;
            var space = name.IndexOf(' ', StringComparison.Ordinal);
            operation = space < 0 ? name : name[..space];
        }

        return operation switch
        {
            "invoke_agent" => FrameworkSpanKind.Agent,
            "execute_tool" => FrameworkSpanKind.Tool,
            "chat" or "text_completion" or "generate_content" or "embeddings" => FrameworkSpanKind.ModelCall,
            "invoke_workflow" => FrameworkSpanKind.Workflow,
            _ when string.Equals(activity.Source.Name, AgentFrameworkSources.AgentFrameworkWorkflows, StringComparison.Ordinal) => FrameworkSpanKind.Workflow,
            _ => FrameworkSpanKind.Other,
        };
    }
}
