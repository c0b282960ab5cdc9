namespace MitiAgent;

/// <summary>
/// Declares a content type the agent sends (or reads) that no handler signature names, so the source generator writes
/// its JSON metadata: <c>[MitiContent(typeof(OrderAck))] public partial class ShopAgent</c>. Types in handler
/// signatures (<c>MessageEvent&lt;T&gt;</c>) and in <c>OutgoingContent.Create(msgType, value)</c> calls need no attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MitiContentAttribute : Attribute
{
    /// <summary>Declares <paramref name="contentType"/>.</summary>
    /// <param name="contentType">A class or record the generator can describe (see docs/diagnostics.md, MITI0012).</param>
    public MitiContentAttribute(Type contentType)
    {
        ContentType = contentType;
    }

    /// <summary>The declared content type.</summary>
    public Type ContentType { get; }
}

/// <summary>
/// Uses your own System.Text.Json <c>JsonSerializerContext</c> for this agent's content types instead of the metadata
/// the MitiAgent generator would write: <c>[MitiJsonContext(typeof(ShopJsonContext))]</c>. The context must declare
/// every content type of the agent (<c>[JsonSerializable(typeof(OrderCard))]</c>) and have a parameterless constructor;
/// the SDK's options (snake_case names, <see langword="null"/> members omitted) apply.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class MitiJsonContextAttribute : Attribute
{
    /// <summary>Uses <paramref name="contextType"/>.</summary>
    /// <param name="contextType">A <c>JsonSerializerContext</c> subclass.</param>
    public MitiJsonContextAttribute(Type contextType)
    {
        ContextType = contextType;
    }

    /// <summary>The context type.</summary>
    public Type ContextType { get; }
}
