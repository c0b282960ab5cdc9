using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>
/// Issue 14 §3 (gateway part): random and mutated text frames written by the emulator's real WebSocket server over
/// loopback — invalid JSON, wrong member types, missing or non-string ids, huge strings, deep nesting, unknown
/// <c>type</c>s and <c>msg_type</c>s — never crash the client, never end its reader (the connection stays the same),
/// never put frame content into a log line, log at most one warning per bad frame, and the valid events that follow are
/// still handled. Binary messages and frames over <see cref="MitiAgentOptions.MaxInboundFrameBytes"/> (valid events
/// among them) are skipped with exactly one warning each and never handled; a valid event of exactly the limit is
/// handled. CsCheck prints the seed when a run fails; set it with <c>CsCheck_Seed</c> to replay.
/// </summary>
public sealed class GatewayFuzzTests
{
    private const string Marker = "FUZZMARK";

    // Above the largest "huge" frame (300 000 characters), so those still go through the parser.
    private const int Limit = 320 * 1024;

    private static readonly string Template = """
        {"type": "event",
         "header": {"event_id": "evt-fuzz", "event_type": "im.message.receive", "create_time": 1750240805000, "app_id": "cli_sdk_test"},
         "event": {"sender": {"user_id": "u_fuzz", "name": "Fuzz"},
                   "message": {"message_id": "msg-fuzz", "conversation_id": "conv-fuzz", "msg_type": "text",
                               "content": {"text": "FUZZMARK hello"}, "create_time": 1750240805000},
                   "run_id": "run-fuzz", "assistant_msg_id": "msg-fuzz-a"}}
        """;

    private static readonly string[] WrongValues = ["1", "-1.5e300", "null", "true", "[]", "{}", "\"\"", "[1,2]", "{\"a\":{}}", "\"wrong\""];

    private static readonly Gen<string> RandomText = Gen.String[Gen.Char, 0, 200];

    private static readonly Gen<string> Mutated =
        Gen.Select(Gen.Int[0, Template.Length - 1], Gen.Int[0, 3], Gen.Int[1, 40], Gen.Char)
            .Select(t => Mutate(t.Item1, t.Item2, t.Item3, t.Item4));

    private static readonly Gen<string> WrongTypes =
        Gen.Select(Gen.Int[0, WrongValues.Length - 1], Gen.Int[0, 5])
            .Select(t => t.Item2 switch
            {
                0 => $$"""{"type": {{WrongValues[t.Item1]}}}""",
                1 => Template.Replace("\"header\": {", $$"""  "header": {{WrongValues[t.Item1]}}, "x": {""", StringComparison.Ordinal),
                2 => Template.Replace("\"evt-fuzz\"", WrongValues[t.Item1], StringComparison.Ordinal),
                3 => Template.Replace("{\"text\": \"FUZZMARK hello\"}", WrongValues[t.Item1], StringComparison.Ordinal),
                4 => Template.Replace("\"u_fuzz\"", WrongValues[t.Item1], StringComparison.Ordinal),
                _ => Template.Replace("\"im.message.receive\"", WrongValues[t.Item1], StringComparison.Ordinal),
            });

    private static readonly Gen<string> MissingIds =
        Gen.Int[0, 3].Select(i => i switch
        {
            0 => Template.Replace("\"event_id\": \"evt-fuzz\",", "", StringComparison.Ordinal),
            1 => Template.Replace("\"event_id\": \"evt-fuzz\"", "\"event_id\": \"\"", StringComparison.Ordinal),
            2 => Template.Replace("\"conversation_id\": \"conv-fuzz\",", "", StringComparison.Ordinal),
            _ => """{"type": "event", "event": {}}""",
        });

    private static readonly Gen<string> Huge =
        Gen.Int[10_000, 300_000].Select(n => Template.Replace("FUZZMARK hello", Marker + new string('x', n), StringComparison.Ordinal));

    private static readonly Gen<string> Deep =
        Gen.Select(Gen.Int[50, 20_000], Gen.Bool).Select(t => t.Item2
            ? new string('[', t.Item1) + new string(']', t.Item1)
            : Template.Replace("{\"text\": \"FUZZMARK hello\"}", new string('[', t.Item1) + "\"FUZZMARK\"" + new string(']', t.Item1), StringComparison.Ordinal));

    private static readonly Gen<string> Unknown =
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 30], Gen.Bool).Select(t => t.Item2
            ? $$"""{"type": "{{t.Item1}}", "payload": "FUZZMARK"}"""
            : Template.Replace("\"msg_type\": \"text\"", $"\"msg_type\": \"x{t.Item1}\"", StringComparison.Ordinal).Replace("evt-fuzz", "evt-fuzz-u-" + t.Item1, StringComparison.Ordinal));

    private static readonly Gen<FuzzFrame> TextFrames =
        Gen.OneOf(RandomText, Mutated, WrongTypes, MissingIds, Huge, Deep, Unknown).Select(FuzzFrame (t) => new TextFrame(t));

    // Binary messages: random bytes, or a valid event (a handler must never see it) of up to the limit + 20 KB.
    private static readonly Gen<FuzzFrame> Binary = Gen.OneOf(
        Gen.Byte.Array[0, 4000].Select(FuzzFrame (b) => new BinaryFrame(b, null)),
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[0, Limit + 20_000]).Select(FuzzFrame (t) =>
        {
            string id = "evt-bin-" + t.Item1;
            return new BinaryFrame(Encoding.UTF8.GetBytes(EventOfSize(id, Math.Max(t.Item2, EventOfSizeMinimum(id)))), id);
        }));

    // A valid event over the limit (by 1 byte up to 20 KB): skipped while it is read, never handled.
    private static readonly Gen<FuzzFrame> Oversized =
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 20_000], Gen.Bool).Select(FuzzFrame (t) =>
        {
            string id = "evt-big-" + t.Item1;
            return new OversizedFrame(EventOfSize(id, Limit + (t.Item3 ? 1 : t.Item2)), id);
        });

    // A valid event of exactly the limit: handled.
    private static readonly Gen<FuzzFrame> AtLimit =
        Gen.Int[0, 1_000_000].Select(FuzzFrame (n) => new AtLimitFrame(EventOfSize("evt-edge-" + n, Limit), "evt-edge-" + n));

    // The emulator's padding frame (an unknown type) around the limit: above it skipped with a warning, else ignored.
    private static readonly Gen<FuzzFrame> Padding = Gen.Int[Limit - 2000, Limit + 20_000].Select(FuzzFrame (n) => new PaddingFrame(n));

    private static readonly Gen<FuzzFrame> BadFrame = Gen.Frequency((40, TextFrames), (1, Binary), (1, Oversized), (1, AtLimit), (1, Padding));

    [Fact]
    public async Task Bad_frames_never_stop_the_reader_and_the_valid_events_after_them_are_handled()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient(o => o.MaxInboundFrameBytes = Limit);
        var handled = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = (e, _) =>
            {
                handled.TryAdd(e.EventId, 0);
                return Task.CompletedTask;
            },
        });
        string connId = (await host.Emulator.WaitForConnectionAsync()).ConnId;
        int frames = 0;
        int batches = 0;
        int binaryFrames = 0;
        int oversizedFrames = 0;
        var neverHandled = new HashSet<string>(StringComparer.Ordinal);
        var mustBeHandled = new HashSet<string>(StringComparer.Ordinal);

        await BadFrame.List[1, 25].SampleAsync(
            async batch =>
            {
                foreach (FuzzFrame frame in batch)
                {
                    switch (frame)
                    {
                        case TextFrame text:
                            host.Emulator.Faults.SendMalformedFrame(connId, text.Text);
                            break;
                        case BinaryFrame binary:
                            host.Emulator.Faults.SendBinaryFrame(connId, binary.Data);
                            binaryFrames++;
                            if (binary.EventId is { } id)
                            {
                                neverHandled.Add(id);
                            }

                            break;
                        case OversizedFrame big:
                            host.Emulator.Faults.SendMalformedFrame(connId, big.Text);
                            oversizedFrames++;
                            neverHandled.Add(big.EventId);
                            break;
                        case AtLimitFrame edge:
                            host.Emulator.Faults.SendMalformedFrame(connId, edge.Text);
                            mustBeHandled.Add(edge.EventId);
                            break;
                        case PaddingFrame padding:
                            host.Emulator.Faults.SendLargeFrame(connId, padding.Size);
                            oversizedFrames += padding.Size > Limit ? 1 : 0;
                            break;
                    }
                }

                frames += batch.Count;
                batches++;
                var valid = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "valid after batch " + batches);
                await EmulatorTestHost.WaitUntilAsync(() => handled.ContainsKey(valid.EventId), "the valid event after a batch of bad frames");
                await EmulatorTestHost.WaitUntilAsync(() => mustBeHandled.All(handled.ContainsKey), "the events of exactly the size limit");
                string[] wronglyHandled = neverHandled.Where(handled.ContainsKey).ToArray();
                Assert.True(wronglyHandled.Length == 0, "skipped frames were handled: " + string.Join(", ", wronglyHandled));
                Assert.Equal(MitiClientState.Connected, client.State);
                Assert.Equal(connId, Assert.Single(host.Emulator.GetConnections(EmulatorTestHost.AppId)).ConnId);
            },
            iter: 200,
            threads: 1);

        Assert.True(frames >= 200);
        Assert.True(binaryFrames > 0 && oversizedFrames > 0 && mustBeHandled.Count > 0, $"binary {binaryFrames}, oversized {oversizedFrames}, at the limit {mustBeHandled.Count}");
        Assert.Empty(host.Emulator.ClosedConnections);
        var lines = host.Logs.Entries.Where(e => e.Category.StartsWith("MitiAgent", StringComparison.Ordinal)).ToArray();
        var leaks = lines.Where(e => e.Level >= LogLevel.Debug && e.Message.Contains(Marker, StringComparison.Ordinal)).Select(e => e.Level + " " + e.EventId + " " + e.Message[..Math.Min(200, e.Message.Length)]).ToArray();
        Assert.True(leaks.Length == 0, "content in logs: " + string.Join("\n", leaks.Take(5)));
        var errors = lines.Where(e => e.Level >= LogLevel.Error).Select(e => e.Category + " " + e.EventId + " " + e.Message[..Math.Min(300, e.Message.Length)] + " " + e.Exception?.GetType().Name + ": " + e.Exception?.Message).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors));
        int warnings = lines.Count(e => e.Level == LogLevel.Warning);
        Assert.InRange(warnings, 1, frames);

        // One warning per skipped binary or oversized frame, never its content.
        Assert.Equal(binaryFrames, lines.Count(e => e.EventId.Id == 2032 && e.Level == LogLevel.Warning));
        Assert.Equal(oversizedFrames, lines.Count(e => e.EventId.Id == 2033 && e.Level == LogLevel.Warning));
        Assert.Contains(lines, e => e.Message == "oversized frame skipped: more than 327680 bytes (MaxInboundFrameBytes)");
    }

    /// <summary>The smallest <see cref="EventOfSize"/> for <paramref name="eventId"/>.</summary>
    private static int EventOfSizeMinimum(string eventId) => Encoding.UTF8.GetByteCount(EventOfSize(eventId, 0));

    /// <summary>
    /// A valid message event with <paramref name="eventId"/> and the marker in its text, padded with an unknown member
    /// (ignored, forward compatibility) to exactly <paramref name="sizeBytes"/> bytes of UTF-8 when that is reachable.
    /// </summary>
    private static string EventOfSize(string eventId, int sizeBytes)
    {
        string frame = Template.Replace("evt-fuzz", eventId, StringComparison.Ordinal)
            .Replace("{\"type\": \"event\",", "{\"type\": \"event\", \"padding\": \"\",", StringComparison.Ordinal);
        int missing = sizeBytes - Encoding.UTF8.GetByteCount(frame);
        return missing <= 0 ? frame : frame.Replace("\"padding\": \"\"", "\"padding\": \"" + new string('p', missing) + "\"", StringComparison.Ordinal);
    }

    private abstract record FuzzFrame;

    private sealed record TextFrame(string Text) : FuzzFrame;

    private sealed record BinaryFrame(byte[] Data, string? EventId) : FuzzFrame;

    private sealed record OversizedFrame(string Text, string EventId) : FuzzFrame;

    private sealed record AtLimitFrame(string Text, string EventId) : FuzzFrame;

    private sealed record PaddingFrame(int Size) : FuzzFrame;

    private static string Mutate(int position, int operation, int length, char c)
    {
        var text = new StringBuilder(Template);
        int count = Math.Min(length, text.Length - position);
        switch (operation)
        {
            case 0:
                text.Remove(position, count); // truncation inside the frame
                break;
            case 1:
                text.Insert(position, c.ToString(), length % 3 + 1);
                break;
            case 2:
                text[position] = c;
                break;
            default:
                text.Length = position; // cut off
                break;
        }

        return text.ToString();
    }
}
