using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using MitiAgent;

namespace Samples.Aot;

/// <summary>
/// An agent for Native AOT. Direct messages and group @mentions get a markdown answer; "stream …" gets a streamed
/// answer (reasoning, deltas, completed frame); "history" gets the conversation's last messages as a markdown table;
/// an <c>order_card</c> message is read typed (<see cref="OrderCard"/>) and answered with a typed <c>order_ack</c>.
/// The source generator writes the dispatch (a switch that calls these methods directly), so nothing here needs
/// reflection.
/// </summary>
/// <param name="logger">Where the agent logs what it did (never message content).</param>
/// <param name="onHandled">Called once per message event when its handler ends, with whether the answer went out.</param>
public sealed partial class AotAgent(ILogger logger, Action<bool> onHandled)
{
    /// <summary>How many messages "history" shows.</summary>
    public const int HistoryLimit = 10;

    /// <summary>
    /// How the process runs: <c>Native AOT</c> or <c>JIT</c>. Neither <see cref="RuntimeFeature.IsDynamicCodeSupported"/>
    /// nor <see cref="RuntimeFeature.IsDynamicCodeCompiled"/> tells them apart: <c>dotnet AotAgent.dll</c> after an AOT
    /// publish reads <c>IsDynamicCodeSupported=false</c> from its runtimeconfig.json and both report <see langword="false"/>
    /// under the JIT too. A Native AOT binary has no JIT, so it has compiled no method at run time; a JIT process has
    /// (the SDK's methods, at the latest when it connected).
    /// </summary>
    public static string RuntimeMode => System.Runtime.JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "Native AOT";

    [OnMessage]
    private Task OnMessageAsync(MessageEvent e, MitiAgentClient client, CancellationToken ct) =>
        HandleAsync(e, e.Text, client, ct);

    [OnGroupAt]
    private Task OnGroupAtAsync(GroupAtEvent e, MitiAgentClient client, CancellationToken ct) =>
        HandleAsync(e, e.TextWithoutMentions, client, ct);

    /// <summary>
    /// An app's own msg_type, read typed: the generator wrote the JSON metadata of <see cref="OrderCard"/> (and of
    /// <see cref="OrderAck"/>, found in the Create call), so this works without reflection under Native AOT. Content
    /// that does not fit an <see cref="OrderCard"/> never gets here: the SDK logs it with its JSON path.
    /// </summary>
    [OnMessage(MsgType = "order_card")]
    private async Task OnOrderAsync(MessageEvent<OrderCard> e, CancellationToken ct)
    {
        bool answered = false;
        try
        {
            OrderCard order = e.Content;
            var ack = new OrderAck(order.OrderId, order.Items.Count, order.Items.Sum(i => i.Quantity), order.Total, order.DueAt is null ? "accepted" : "scheduled");
            await e.ReplyAsync(OutgoingContent.Create("order_ack", ack), ct);
            Log.Answered(logger, "order_ack", e.Sender.UserId, e.EventId);
            answered = true;
        }
        finally
        {
            onHandled(answered);
        }
    }

    [OnCancel]
    private void OnCancel(CancelEvent e) => Log.Cancelled(logger, e.RunId);

    private async Task HandleAsync(MessageEvent e, string? text, MitiAgentClient client, CancellationToken ct)
    {
        bool answered = false;
        try
        {
            text = text?.Trim() ?? string.Empty;
            if (text.StartsWith("stream", StringComparison.OrdinalIgnoreCase))
            {
                await StreamAnswerAsync(e, text["stream".Length..].Trim(), ct);
                Log.Answered(logger, "streamed answer", e.Sender.UserId, e.EventId);
            }
            else if (text.Equals("history", StringComparison.OrdinalIgnoreCase) && e.Message.ConversationId is { } conversationId)
            {
                var messages = await client.GetHistoryAsync(conversationId, HistoryLimit, ct);
                await e.ReplyAsync(HistoryTable(conversationId, messages), cancellationToken: ct);
                Log.Answered(logger, "history", e.Sender.UserId, e.EventId);
            }
            else
            {
                await e.ReplyAsync(EchoMarkdown(e, text), cancellationToken: ct);
                Log.Answered(logger, "markdown reply", e.Sender.UserId, e.EventId);
            }

            answered = true;
        }
        finally
        {
            onHandled(answered);
        }
    }

    private static async Task StreamAnswerAsync(MessageEvent e, string topic, CancellationToken ct)
    {
        if (topic.Length == 0)
        {
            topic = "Native AOT";
        }

        var stream = e.OpenStream();
        await stream.AppendAsync(null, $"Listing five facts about {topic}. ", ct);
        await stream.AppendAsync($"### Five facts about {topic}\n\n", cancellationToken: ct);
        string[] facts =
        [
            "It starts in milliseconds: there is no JIT to warm up.",
            "It is one file: the runtime is linked in.",
            "It needs no installed .NET.",
            "It is trimmed: only the code it calls is in it.",
            "It uses no reflection at run time, so the compiler can see everything it runs.",
        ];
        for (int i = 0; i < facts.Length; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            await stream.AppendAsync(string.Create(CultureInfo.InvariantCulture, $"{i + 1}. {facts[i]}\n"), cancellationToken: ct);
        }

        await stream.CompleteAsync(cancellationToken: ct);
    }

    private static string EchoMarkdown(MessageEvent e, string text) => string.Create(CultureInfo.InvariantCulture, $"""
        ### Echo from a {RuntimeMode} agent

        > {(text.Length == 0 ? "(no text)" : text.ReplaceLineEndings("\n> "))}

        | | |
        |---|---|
        | from | `{e.Sender.UserId}` |
        | type | `{e.Message.MsgType}` |
        | runtime | {RuntimeInformation.FrameworkDescription} ({RuntimeMode}) |

        Try `stream <topic>` or `history`.
        """);

    private static string HistoryTable(string conversationId, IReadOnlyList<HistoryMessage> messages)
    {
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"### Last {messages.Count} messages of `{conversationId}`\n\n| # | from | message |\n|---|---|---|\n");
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            string from = m.Role == "assistant" ? "agent" : m.SenderId ?? "?";
            string content = (m.Content ?? string.Empty).ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
            table.Append(CultureInfo.InvariantCulture, $"| {i + 1} | {from} | {content} |\n");
        }

        return table.ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{What} sent to {UserId} for event {EventId}")]
        public static partial void Answered(ILogger logger, string what, string? userId, string eventId);

        [LoggerMessage(2, LogLevel.Information, "run {RunId} cancelled by the user")]
        public static partial void Cancelled(ILogger logger, string runId);
    }
}

/// <summary>An <c>order_card</c> message's content (snake_case on the wire: <c>order_id</c>, <c>due_at</c>).</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Total">The order's total.</param>
/// <param name="Items">The ordered items.</param>
/// <param name="DueAt">When it is due, if scheduled.</param>
public sealed record OrderCard(string OrderId, decimal Total, IReadOnlyList<OrderLine> Items, DateTimeOffset? DueAt);

/// <summary>One line of an <see cref="OrderCard"/>.</summary>
/// <param name="Sku">The article.</param>
/// <param name="Quantity">How many.</param>
public sealed record OrderLine(string Sku, int Quantity);

/// <summary>The agent's typed answer, sent as msg_type <c>order_ack</c>.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Lines">How many lines it had.</param>
/// <param name="Pieces">How many pieces in all.</param>
/// <param name="Total">The order's total.</param>
/// <param name="Status"><c>accepted</c>, or <c>scheduled</c> when the order has a due date.</param>
public sealed record OrderAck(string OrderId, int Lines, int Pieces, decimal Total, string Status);
