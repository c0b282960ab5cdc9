using System.Diagnostics;
using MitiAgent.Protocol;
using static MitiAgent.MitiTelemetry;

namespace MitiAgent.Diagnostics;

/// <summary>
/// The <c>MitiAgent</c> activity source and the span of one handler run (see <see cref="MitiTelemetry"/>): a root
/// <see cref="ActivityKind.Consumer"/> span named <c>process {event_type}</c> with ids and types as tags, never content.
/// </summary>
internal static class MitiActivities
{
    /// <summary>The process-wide source (activity sources are cheap and listeners pick them by name).</summary>
    public static readonly ActivitySource Source = new(ActivitySourceName, MitiMetrics.Version);

    /// <summary>
    /// Starts the span of a handler run and makes it current; <see langword="null"/> when nobody listens. Whatever
    /// activity flowed in (e.g. the caller of <c>StartAsync</c>) is not its parent: events carry no trace context.
    /// </summary>
    public static Activity? StartHandler(AgentEvent agentEvent, string handlerKind)
    {
        if (Activity.Current is not null)
        {
            Activity.Current = null;
        }

        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? activity = Source.StartActivity(SpanName(agentEvent.EventType), ActivityKind.Consumer);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.EventType, agentEvent.EventType);
            activity.SetTag(Tags.EventId, agentEvent.EventId);
            switch (agentEvent)
            {
                case MessageEvent message:
                    activity.SetTag(Tags.MsgType, message.Message.MsgType);
                    if (message.RunId is { } runId)
                    {
                        activity.SetTag(Tags.RunId, runId);
                    }

                    break;
                case CancelEvent cancel:
                    activity.SetTag(Tags.RunId, cancel.RunId);
                    break;
            }

            activity.SetTag(Tags.HandlerKind, handlerKind);
        }

        return activity;
    }

    /// <summary>Ends a handler span with its outcome; on failure records only the exception's type, never its message.</summary>
    public static void StopHandler(Activity? activity, string outcome, Exception? error)
    {
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(Tags.HandlerOutcome, outcome);
            if (error is not null)
            {
                activity.SetTag(Tags.ErrorType, error.GetType().FullName);
            }
        }

        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }

        activity.Dispose();
    }

    private static string SpanName(string eventType) => eventType switch
    {
        WireNames.EventTypes.MessageReceive => "process " + WireNames.EventTypes.MessageReceive,
        WireNames.EventTypes.GroupAt => "process " + WireNames.EventTypes.GroupAt,
        WireNames.EventTypes.AssistantCancel => "process " + WireNames.EventTypes.AssistantCancel,
        _ => "process " + eventType,
    };
}
