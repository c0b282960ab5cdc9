namespace MitiAgent;

/// <summary>
/// Reports a streamed answer whose source threw (the stream was already failed): logs it and runs the agent's
/// <c>[OnError]</c> handler when it has one. The dispatcher implements it and hands itself to each message event it runs.
/// </summary>
internal interface IStreamFailureReporter
{
    /// <summary>Logs the failure and runs <c>[OnError]</c> (when the agent has one). Never throws.</summary>
    Task ReportStreamFailureAsync(MessageEvent message, string runId, string code, Exception exception);
}
