using MitiAgent.Shared;

namespace MitiAgent.Generators
{
    /// <summary>One type of the containing-type chain, as re-opened by the generated code.</summary>
    /// <param name="Keyword">The declaration keyword(s): <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c>, <c>interface</c>.</param>
    /// <param name="Name">The identifier, escaped with <c>@</c> when it is a keyword.</param>
    /// <param name="TypeParameters">The type parameter list (<c>&lt;T, U&gt;</c>) or empty.</param>
    internal sealed record TypeDeclarationModel(string Keyword, string Name, string TypeParameters);

    /// <summary>The agent class that gets the generated dispatch.</summary>
    /// <param name="Namespace">The containing namespace (escaped, dotted) or empty for the global namespace.</param>
    /// <param name="Types">The containing types, outermost first; the last one is the agent class.</param>
    /// <param name="FullyQualifiedName">The <c>global::</c>-qualified name with type parameters, for static calls.</param>
    /// <param name="HintName">The file name of the generated source.</param>
    internal sealed record AgentTypeModel(
        string Namespace,
        EquatableArray<TypeDeclarationModel> Types,
        string FullyQualifiedName,
        string HintName);

    /// <summary>One valid handler method.</summary>
    internal sealed record HandlerMethodModel(
        string Name,
        HandlerKind Kind,
        string? MsgType,
        bool IsStatic,
        HandlerReturn Return,
        EquatableArray<HandlerArgument> Arguments);

    /// <summary>What the transform keeps of one attributed method: its agent class and the handler.</summary>
    internal sealed record HandlerModel(AgentTypeModel Agent, HandlerMethodModel Method);

    /// <summary>Everything needed to emit one agent class's dispatch.</summary>
    internal sealed record AgentModel(AgentTypeModel Agent, EquatableArray<HandlerMethodModel> Handlers);
}
