using System.Text.RegularExpressions;
using MitiAgent.EndToEnd.Tests.TestSupport;
using MitiAgent.Emulator;
using Xunit.Abstractions;

namespace MitiAgent.EndToEnd.Tests.Aot;

/// <summary>
/// samples/AotAgent published with Native AOT: no trim/AOT warnings, one native file, and the binary connects to a
/// Miti emulator, answers (markdown, stream, history) and exits 0 after <c>--max-events</c>.
/// </summary>
[Collection(ExternalBuildsCollection.Name)]
public sealed partial class AotAgentTests(AotPublishFixture publish, ITestOutputHelper output) : IClassFixture<AotPublishFixture>
{
    private const string AppId = "cli_e2e_aot";
    private const string AppSecret = "e2e-aot-secret-4b1d0e";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Publish_reports_no_trim_or_aot_warning_and_produces_a_native_executable()
    {
        output.WriteLine($"dotnet publish took {publish.Duration.TotalSeconds:F0} s");
        publish.AssertPublished();
        Assert.DoesNotMatch(TrimOrAotWarning(), publish.Output);
        Assert.DoesNotContain("warning", publish.Output, StringComparison.OrdinalIgnoreCase); // ILC prints "Trim analysis warning IL2026: ..."
        Assert.Contains("Generating native code", publish.Output, StringComparison.Ordinal);

        var binary = new FileInfo(publish.Binary);
        Assert.True(binary.Exists, $"{publish.Binary} was not published; the folder has: {string.Join(", ", Directory.EnumerateFileSystemEntries(publish.PublishFolder).Select(Path.GetFileName))}");
        output.WriteLine($"native binary: {binary.Length} bytes ({binary.Length / 1024.0 / 1024.0:F1} MiB)");

        // An ELF executable, not a managed assembly with a host: no IL of the agent or the SDK beside it.
        using (var stream = binary.OpenRead())
        {
            var magic = new byte[4];
            stream.ReadExactly(magic);
            Assert.Equal("\u007fELF"u8.ToArray(), magic);
        }

        Assert.Empty(Directory.EnumerateFiles(publish.PublishFolder, "*.dll"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.True((File.GetUnixFileMode(binary.FullName) & UnixFileMode.UserExecute) != 0, "the binary is not executable");
        }
    }

    [Fact]
    public async Task Native_binary_answers_markdown_stream_and_history_then_exits_0_after_max_events()
    {
        publish.AssertPublished();
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "AotBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        using var agent = ExternalProcess.Start(publish.Binary, ["--max-events", "4"], environment: Credentials(emulator.BaseUrl));
        try
        {
            string connected = await agent.WaitForLineAsync("connected in ", Timeout);
            Assert.Matches(ConnectedLine(), connected);
            Assert.Contains("(Native AOT) to " + emulator.BaseUrl + " as " + AppId, connected, StringComparison.Ordinal);
            output.WriteLine("startup: " + connected);

            // A markdown reply (stream_full).
            var dm = emulator.InjectMessage(AppId, "u_1", "hello from the test");
            var reply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == dm.MessageId, Timeout);
            Assert.Equal("stream_full", reply.MsgType);
            Assert.Equal("u_1", reply.ToUserId);
            Assert.Contains("### Echo from a Native AOT agent", reply.Text, StringComparison.Ordinal);
            Assert.Contains("> hello from the test", reply.Text, StringComparison.Ordinal);

            // A streamed answer: deltas, then a completed frame with the reasoning.
            var stream = emulator.InjectMessage(AppId, "u_1", "stream trimming");
            var final = await emulator.WaitForFinalAnswerAsync(stream.RunId!, Timeout);
            Assert.Equal("completed", final.State);
            Assert.StartsWith("### Five facts about trimming", final.Answer, StringComparison.Ordinal);
            Assert.Contains("5. It uses no reflection at run time", final.Answer, StringComparison.Ordinal);
            Assert.Equal("Listing five facts about trimming. ", final.Reasoning);
            Assert.Contains(emulator.StreamFrames, f => f.Frame.RunId == stream.RunId && f.Frame.State == "delta");

            // A group @mention answered in the group.
            var group = emulator.InjectGroupAt(AppId, "sg_1", "u_2", "hi group");
            var groupReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == group.MessageId, Timeout);
            Assert.Equal("sg_1", groupReply.ToGroupId);
            Assert.Contains("> hi group", groupReply.Text, StringComparison.Ordinal);

            // History through the REST API, as a markdown table.
            var history = emulator.InjectMessage(AppId, "u_1", "history");
            var historyReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == history.MessageId, Timeout);
            Assert.Contains("### Last 5 messages of `conv-u_1`", historyReply.Text, StringComparison.Ordinal);
            Assert.Contains("| 1 | u_1 | hello from the test |", historyReply.Text, StringComparison.Ordinal);
            Assert.Contains("| 3 | u_1 | stream trimming |", historyReply.Text, StringComparison.Ordinal);

            // --max-events 4: stops by itself, closing the gateway normally.
            Assert.Equal(0, await agent.WaitForExitAsync(Timeout));
            await emulator.WaitForConnectionClosedAsync(c => c.AppId == AppId && c.CloseCode == 1000, Timeout);
            Assert.DoesNotContain(AppSecret, agent.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("fail:", agent.Output, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task Native_binary_reads_a_custom_msg_type_typed_answers_with_typed_content_and_rejects_a_malformed_one()
    {
        publish.AssertPublished();
        var options = new MitiEmulatorOptions { AllowCustomMsgTypes = true };
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "AotBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        using var agent = ExternalProcess.Start(publish.Binary, ["--max-events", "2"], environment: Credentials(emulator.BaseUrl));
        try
        {
            await agent.WaitForLineAsync("connected in ", Timeout);

            using var card = System.Text.Json.JsonDocument.Parse("""{"order_id":"o-7","total":42.50,"items":[{"sku":"a","quantity":2},{"sku":"b","quantity":3}],"due_at":"2026-12-24T18:00:00+08:00"}""");
            var order = emulator.InjectMessage(AppId, "u_1", "order_card", card.RootElement.Clone());
            var ack = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == order.MessageId, Timeout);
            Assert.Equal("order_ack", ack.MsgType);
            Assert.Equal("""{"order_id":"o-7","lines":2,"pieces":5,"total":42.50,"status":"scheduled"}""", ack.Content.GetRawText());

            // Acked, not handled, one warning with the event id, msg_type and JSON path (never the content).
            using var malformed = System.Text.Json.JsonDocument.Parse("""{"order_id":"o-8","total":"secret-total","items":[]}""");
            var bad = emulator.InjectMessage(AppId, "u_1", "order_card", malformed.RootElement.Clone());
            await emulator.WaitForEventAckAsync(bad.EventId, Timeout);
            string rejected = await agent.WaitForLineAsync("content does not fit the handler's type", Timeout);
            Assert.Contains("id=" + bad.EventId + " msg_type=order_card", rejected, StringComparison.Ordinal);
            Assert.Contains("path=$.total", rejected, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-total", agent.Output, StringComparison.Ordinal);

            // The second handled event ends the run (--max-events 2): the malformed one was not counted.
            var text = emulator.InjectMessage(AppId, "u_1", "still here?");
            await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == text.MessageId, Timeout);
            Assert.Equal(0, await agent.WaitForExitAsync(Timeout));
            Assert.DoesNotContain(emulator.SentMessages, m => m.ReplyToMessageId == bad.MessageId);
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task Native_binary_acks_each_of_200_events_before_its_immediate_reply_reaches_the_server()
    {
        // Spec §4.2 without JIT warm-up: the handler must not start before its ack was handed to the socket.
        const int Count = 200;
        const int WarmUp = 5; // the emulator's first frames on a connection pay its own JIT (it runs in this test process)
        publish.AssertPublished();
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "AotBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        using var agent = ExternalProcess.Start(publish.Binary, ["--max-events", (WarmUp + Count).ToString(System.Globalization.CultureInfo.InvariantCulture)], environment: Credentials(emulator.BaseUrl));
        try
        {
            await agent.WaitForLineAsync("connected in ", Timeout);

            // One event at a time, so that the emulator's gateway reader has no backlog of acks.
            for (int i = 0; i < WarmUp + Count; i++)
            {
                var injected = emulator.InjectMessage(AppId, "u_" + (i % 5), "order " + i);
                await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId, Timeout);
            }

            Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var ackArrival = emulator.EventAcks.GroupBy(a => a.EventId).ToDictionary(g => g.Key, g => g.Min(a => a.Arrival));
            var eventOfMessage = emulator.InjectedEvents.ToDictionary(e => e.MessageId!, e => e.EventId);
            Assert.Equal(WarmUp + Count, emulator.SentMessages.Count);
            var replies = emulator.SentMessages.Skip(WarmUp).ToArray();

            // > 0: the reply was stamped before its ack. The emulator stamps acks on its gateway reader and replies on
            // its HTTP handler, two threads, so a hair of inversion is its own scheduling; the bug (handler started
            // before the ack was written) put replies 4–30 ms ahead in a third of the runs.
            var gaps = replies.Select(r => System.Diagnostics.Stopwatch.GetElapsedTime(r.Arrival, ackArrival[eventOfMessage[r.ReplyToMessageId!]]).TotalMilliseconds).ToArray();
            int stampedFirst = gaps.Count(g => g > 0);
            string summary = $"{Count} replies; {stampedFirst} stamped before their ack, worst by {gaps.Max():F3} ms"
                + $" (at {string.Join(", ", gaps.Select((g, i) => (g, i)).Where(x => x.g > 0).Select(x => $"#{x.i}: {x.g:F3} ms"))})";
            output.WriteLine(summary);
            Assert.True(gaps.Max() <= 2, summary);
            Assert.True(stampedFirst <= Count / 10, summary);
        }
        finally
        {
            output.WriteLine(agent.Output.Length > 4000 ? agent.Output[..4000] : agent.Output);
        }
    }

    [Fact]
    public async Task Il_assembly_of_the_aot_publish_run_with_dotnet_says_jit()
    {
        // The publish builds the IL assembly first (runtimeconfig.json: IsDynamicCodeSupported=false), then compiles it
        // to native code. `dotnet AotAgent.dll` runs that assembly under the JIT and must say so (issue 10 §6).
        string? assembly = Directory.Exists(SharedArtifacts.Path)
            ? Directory.EnumerateFiles(SharedArtifacts.Path, "AotAgent.dll", SearchOption.AllDirectories)
                .FirstOrDefault(path => File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json"))
                    && File.ReadAllText(Path.ChangeExtension(path, ".runtimeconfig.json")).Contains("\"System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported\": false", StringComparison.Ordinal))
            : null;
        Assert.True(assembly is not null, "no AotAgent.dll with IsDynamicCodeSupported=false under " + SharedArtifacts.Path + ":\n" + publish.Output);

        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "AotBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        using var agent = ExternalProcess.Start("dotnet", [assembly!, "--max-events", "1"], environment: Credentials(emulator.BaseUrl));
        try
        {
            string connected = await agent.WaitForLineAsync("connected in ", Timeout);
            Assert.Contains("(JIT) to " + emulator.BaseUrl, connected, StringComparison.Ordinal);

            var dm = emulator.InjectMessage(AppId, "u_1", "which runtime?");
            var reply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == dm.MessageId, Timeout);
            Assert.Contains("### Echo from a JIT agent", reply.Text, StringComparison.Ordinal);
            Assert.Equal(0, await agent.WaitForExitAsync(Timeout));
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task Native_binary_without_credentials_says_what_to_set_and_exits_2()
    {
        publish.AssertPublished();
        var (exitCode, text) = await ExternalProcess.RunAsync(publish.Binary, [], Timeout, environment: new Dictionary<string, string?>
        {
            ["MITI_APP_ID"] = null,
            ["MITI_APP_SECRET"] = null,
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("AotAgent needs MITI_APP_ID and MITI_APP_SECRET", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Native_binary_reports_refused_credentials_and_exits_1()
    {
        publish.AssertPublished();
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, AppSecret));
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        var environment = Credentials(emulator.BaseUrl);
        environment["MITI_APP_SECRET"] = "not-the-secret";
        var (exitCode, text) = await ExternalProcess.RunAsync(publish.Binary, [], Timeout, environment: environment);
        Assert.Equal(1, exitCode);
        Assert.Contains("The server refused app " + AppId, text, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", text, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Credentials(string baseUrl) => new()
    {
        ["MITI_APP_ID"] = AppId,
        ["MITI_APP_SECRET"] = AppSecret,
        ["MITI_API_BASE_URL"] = baseUrl,
    };

    [GeneratedRegex(@"\bIL[23][0-9]{3}\b")]
    private static partial Regex TrimOrAotWarning();

    [GeneratedRegex(@"^connected in [0-9]+ ms \(Native AOT\) to ")]
    private static partial Regex ConnectedLine();
}
