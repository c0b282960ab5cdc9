namespace MitiAgent.Hosting;

/// <summary>How the hosted agent (the <c>TAgent</c> of <c>AddMitiAgent&lt;TAgent&gt;()</c>) is resolved from dependency injection.</summary>
public enum MitiAgentLifetime
{
    /// <summary>
    /// The default: every event (message, @mention, cancel, overload) gets its own DI scope, the agent is resolved from
    /// it, and the scope is disposed (asynchronously) once the handler has returned — like an ASP.NET Core controller per
    /// request. Scoped services (a <c>DbContext</c>, a unit of work) are safe to inject. State kept in the agent's fields
    /// does not outlive the event; keep it in a singleton service.
    /// </summary>
    Scoped,

    /// <summary>
    /// One agent instance, resolved once from the root provider when the host starts, handles every event (concurrently,
    /// up to <see cref="MitiAgentOptions.MaxConcurrency"/>), so it must be thread-safe and must not depend on scoped
    /// services. The container disposes it when the host is disposed.
    /// </summary>
    Singleton,
}
