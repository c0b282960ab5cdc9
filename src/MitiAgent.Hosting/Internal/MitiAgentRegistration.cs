namespace MitiAgent.Hosting.Internal;

/// <summary>What <c>AddMitiAgent</c> registered: the agent type and a copy of the hosting settings (one per service collection).</summary>
internal sealed class MitiAgentRegistration(Type agentType, MitiAgentHostingOptions hosting)
{
    public Type AgentType { get; } = agentType;

    public MitiAgentHostingOptions Hosting { get; } = hosting;
}

/// <summary>The fatal error that stopped the hosted agent, if any (shared by the hosted service and the health check).</summary>
internal sealed class MitiAgentHostStatus
{
    private Exception? _fatalError;

    public Exception? FatalError => Volatile.Read(ref _fatalError);

    /// <summary>Records the first fatal error; returns whether this call recorded it.</summary>
    public bool TrySetFatalError(Exception error) => Interlocked.CompareExchange(ref _fatalError, error, null) is null;
}
