using Microsoft.Extensions.Logging;

namespace MitiAgent.Hosting.Internal;

/// <summary>Log messages of <see cref="MitiHostingLogCategories.Hosting"/>. No content and no credentials, only names and states.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "starting Miti agent {AgentType} (lifetime={Lifetime}, handlers={HandledKinds}, wait_for_connection={WaitForConnection})")]
    public static partial void Starting(ILogger logger, string agentType, MitiAgentLifetime lifetime, MitiHandlerKinds handledKinds, bool waitForConnection);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "configuration key {Key} is not a Miti agent setting and is ignored")]
    public static partial void UnknownConfigurationKey(ILogger logger, string key);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Critical, Message = "the Miti agent stopped with a fatal error; stopping the application with exit code 1")]
    public static partial void FatalStoppingApplication(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "the Miti agent stopped with a fatal error; the application keeps running (StopApplicationOnFatalError is off)")]
    public static partial void FatalKeepRunning(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Miti agent stopped")]
    public static partial void Stopped(ILogger logger);
}
