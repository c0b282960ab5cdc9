using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using MitiAgent.EndToEnd.Tests.TestSupport;
using MitiAgent.Emulator;
using Xunit.Abstractions;

namespace MitiAgent.EndToEnd.Tests.Samples;

/// <summary>
/// samples/EchoAgent, samples/StreamingAgent and samples/ChatAgent as a newcomer runs them: <c>dotnet run</c> with no credentials (an
/// embedded emulator, a scripted demo, the printed control API), with credentials (a server of the test's own), and
/// Ctrl+C.
/// </summary>
[Collection(ExternalBuildsCollection.Name)]
public sealed partial class SampleAgentTests(SamplesBuildFixture build, ITestOutputHelper output) : IClassFixture<SamplesBuildFixture>
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>No credentials, and no inherited base URL: the embedded emulator.</summary>
    private static readonly Dictionary<string, string?> NoCredentials = new()
    {
        ["MITI_APP_ID"] = null,
        ["MITI_APP_SECRET"] = null,
        ["MITI_API_BASE_URL"] = null,
    };

    [Fact]
    public void Samples_build_without_warnings()
    {
        foreach (string project in new[] { SamplesBuildFixture.EchoProject, SamplesBuildFixture.StreamingProject, SamplesBuildFixture.ChatProject })
        {
            string log = build.BuildOutput(project);
            Assert.Contains("0 Warning(s)", log, StringComparison.Ordinal);
            Assert.Contains("0 Error(s)", log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EchoAgent_without_credentials_runs_its_demo_on_an_embedded_emulator_answers_the_printed_curl_and_stops_on_ctrl_c()
    {
        using var agent = build.Run(SamplesBuildFixture.EchoProject, NoCredentials);
        try
        {
            string chatPage = After(await agent.WaitForLineAsync("chat page:", LineTimeout), "chat page:").Split(' ')[0];
            Assert.Matches(@"^http://(localhost|127\.0\.0\.1):[0-9]+/$", chatPage);
            string chatAddress = After(await agent.WaitForLineAsync("Miti API:", LineTimeout), "Miti API:").Split(' ')[0];
            Assert.Equal(chatPage + "chat", chatAddress);
            string controlUrl = After(await agent.WaitForLineAsync("control API:", LineTimeout), "control API:").Split(' ')[0];
            Assert.Equal(chatAddress[..^"/chat".Length] + "/_emulator", controlUrl);
            await agent.WaitForLineAsync("see answers:   curl -s " + controlUrl + "/sent", LineTimeout);
            await agent.WaitForLineAsync("say something: curl -s " + controlUrl + "/inject/message", LineTimeout);
            await agent.WaitForLineAsync("connected to " + chatAddress + " as cli_demo", LineTimeout);

            // The scripted demo: a DM echo, a group @ echo, and the history command.
            await agent.WaitForLineAsync("<- dm u_alice: hello", LineTimeout);
            await agent.WaitForLineAsync("-> reply to u_alice: 收到:hello", LineTimeout);
            await agent.WaitForLineAsync("<- @ in sg_team from u_bob: @EchoAgent what's new?", LineTimeout);
            await agent.WaitForLineAsync("-> reply in sg_team: 收到:what's new?", LineTimeout);
            await agent.WaitForLineAsync("<- dm u_alice: history", LineTimeout);
            await agent.WaitForLineAsync("-> reply to u_alice: Last 3 messages of conv-u_alice:", LineTimeout);
            await agent.WaitForLineAsync("2. agent: 收到:hello", LineTimeout);
            await agent.WaitForLineAsync("Demo done.", LineTimeout);

            // What the banner tells a newcomer to do, over HTTP: the chat page, and curl.
            using var http = new HttpClient { Timeout = LineTimeout };
            string page = await http.GetStringAsync(chatPage);
            Assert.Contains("<title>Miti emulator · chat</title>", page, StringComparison.Ordinal);
            var reply = await InjectAndWaitForReplyAsync(http, controlUrl, "u_you", "hi there");
            Assert.Equal("收到:hi there", reply.GetProperty("text").GetString());
            Assert.Equal("u_you", reply.GetProperty("to_user_id").GetString());
            await agent.WaitForLineAsync("<- dm u_you: hi there", LineTimeout);

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
            Assert.Contains("EchoAgent stopped.", agent.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", agent.Output, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task EchoAgent_with_credentials_connects_to_that_server_and_never_prints_the_secret()
    {
        const string appId = "cli_e2e_echo";
        const string appSecret = "e2e-echo-secret-7f3a9c";
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(appId, appSecret) { Name = "EchoBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        using var agent = build.Run(SamplesBuildFixture.EchoProject, new Dictionary<string, string?>
        {
            ["MITI_APP_ID"] = appId,
            ["MITI_APP_SECRET"] = appSecret,
            ["MITI_API_BASE_URL"] = emulator.BaseUrl,
        });
        try
        {
            await agent.WaitForLineAsync("connected to " + emulator.BaseUrl + " as " + appId, LineTimeout);
            await emulator.WaitForConnectionAsync(c => c.AppId == appId, LineTimeout);

            var dm = emulator.InjectMessage(appId, "u_1", "ping");
            var dmReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == dm.MessageId, LineTimeout);
            Assert.Equal("收到:ping", dmReply.Text);
            Assert.Equal("u_1", dmReply.ToUserId);

            var group = emulator.InjectGroupAt(appId, "sg_1", "u_2", "status?");
            var groupReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == group.MessageId, LineTimeout);
            Assert.Equal("收到:status?", groupReply.Text);
            Assert.Equal("sg_1", groupReply.ToGroupId);

            var history = emulator.InjectMessage(appId, "u_1", "history");
            var historyReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == history.MessageId, LineTimeout);
            Assert.StartsWith("Last 3 messages of conv-u_1:", historyReply.Text, StringComparison.Ordinal);
            Assert.Contains("1. u_1: ping", historyReply.Text, StringComparison.Ordinal);

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
            await emulator.WaitForConnectionClosedAsync(c => c.AppId == appId && c.CloseCode == 1000, LineTimeout);

            Assert.DoesNotContain("chat page:", agent.Output, StringComparison.Ordinal);   // no embedded emulator
            Assert.Empty(emulator.GetConnections(appId));
            Assert.DoesNotContain(appSecret, agent.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(Assert.Single(emulator.GetIssuedTokens(appId)), agent.Output, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task EchoAgent_takes_a_free_port_when_10006_is_busy()
    {
        using var blocker = TryListen(10006); // null if something already listens there: busy either way
        using var agent = build.Run(SamplesBuildFixture.EchoProject, NoCredentials);
        try
        {
            string chatAddress = After(await agent.WaitForLineAsync("Miti API:", LineTimeout), "Miti API:").Split(' ')[0];
            Assert.Matches(@"^http://127\.0\.0\.1:[0-9]+/chat$", chatAddress);
            Assert.DoesNotContain(":10006/", chatAddress, StringComparison.Ordinal);
            await agent.WaitForLineAsync("-> reply to u_alice: 收到:hello", LineTimeout);
            await agent.WaitForLineAsync("Demo done.", LineTimeout);

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task EchoAgent_with_only_one_credential_explains_and_exits_2()
    {
        using var agent = build.Run(SamplesBuildFixture.EchoProject, new Dictionary<string, string?>
        {
            ["MITI_APP_ID"] = "cli_half",
            ["MITI_APP_SECRET"] = null,
        });
        Assert.Equal(2, await agent.WaitForExitAsync(LineTimeout));
        Assert.Contains("Set both MITI_APP_ID and MITI_APP_SECRET", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamingAgent_demo_streams_an_answer_overloads_and_cancels_and_a_model_error_fails_the_run()
    {
        using var agent = build.Run(SamplesBuildFixture.StreamingProject, NoCredentials);
        try
        {
            string controlUrl = After(await agent.WaitForLineAsync("control API:", LineTimeout), "control API:").Split(' ')[0];
            // Streamed answers are not messages/send: the banner points to the conversation and the final answers.
            await agent.WaitForLineAsync($"see answers:   curl -s {controlUrl}/conversations/cli_demo/conv-u_you", LineTimeout);
            await agent.WaitForLineAsync("connected to ", LineTimeout);

            // A streamed answer from start to finish ...
            await agent.WaitForLineAsync("<- dm u_alice: What is streaming?", LineTimeout);
            string completed = await agent.WaitForLineAsync("-> stream to u_alice: completed, ", LineTimeout);
            Assert.Matches(CompletedLine(), completed);

            // ... three long answers at once with two handler slots: the overload handler answers at least one ...
            await agent.WaitForLineAsync("(all handler slots are busy)", LineTimeout);
            // ... and the streamed ones are stopped by the users' cancels.
            await agent.WaitForLineAsync("<- cancel run-", LineTimeout);
            await agent.WaitForLineAsync("frames: the run was cancelled", LineTimeout);
            await agent.WaitForLineAsync("Demo done.", LineTimeout);

            // The final answer the emulator recorded, read through the printed control API.
            using var http = new HttpClient { Timeout = LineTimeout };
            var finals = await http.GetFromJsonAsync<JsonElement>(controlUrl + "/final-answers");
            var alice = Assert.Single(finals.EnumerateArray(), f => f.GetProperty("state").GetString() == "completed");
            Assert.Contains("**Streaming** shows an answer while it is being written", alice.GetProperty("answer").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("The user asks: \"What is streaming?\"", alice.GetProperty("reasoning").GetString(), StringComparison.Ordinal);

            // A model error ends the run with a failed frame.
            var injected = await InjectAsync(http, controlUrl, "u_eve", "please fail");
            var failed = await http.GetFromJsonAsync<JsonElement>($"{controlUrl}/wait/final-answer?run_id={injected.GetProperty("run_id").GetString()}&timeout_ms=30000");
            Assert.Equal("failed", failed.GetProperty("state").GetString());
            Assert.Equal("model_error", failed.GetProperty("error").GetProperty("code").GetString());
            await agent.WaitForLineAsync("-> stream to u_eve: failed: The model is unavailable (simulated failure).", LineTimeout);

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
            Assert.Contains("StreamingAgent stopped.", agent.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("handler failed", agent.Output, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task ChatAgent_offline_answers_with_its_canned_chat_client_using_history_and_a_model_error_fails_the_run()
    {
        var environment = new Dictionary<string, string?>(NoCredentials)
        {
            ["OPENAI_API_KEY"] = null,
            ["OPENAI_BASE_URL"] = null,
        };
        using var agent = build.Run(SamplesBuildFixture.ChatProject, environment);
        try
        {
            await agent.WaitForLineAsync("model: canned (offline, deterministic)", LineTimeout);
            string controlUrl = After(await agent.WaitForLineAsync("control API:", LineTimeout), "control API:").Split(' ')[0];
            await agent.WaitForLineAsync("connected to ", LineTimeout);

            // Two questions in one conversation, each streamed to completion ...
            await agent.WaitForLineAsync("<- dm u_alice: What is Miti?", LineTimeout);
            Assert.Matches(CompletedLine(), await agent.WaitForLineAsync("-> stream to u_alice: completed, ", LineTimeout));
            await agent.WaitForLineAsync("<- dm u_alice: And what can you do?", LineTimeout);
            await agent.WaitForLineAsync("-> stream to u_alice: completed, ", LineTimeout);

            // ... and a model error: a failed answer, reported to [OnError].
            await agent.WaitForLineAsync("[OnError] evt-", LineTimeout);
            await agent.WaitForLineAsync("-> stream to u_bob: failed (model_error): The model is unavailable (simulated failure).", LineTimeout);
            await agent.WaitForLineAsync("Demo done.", LineTimeout);

            // The answers the emulator recorded: the second question was asked with the first exchange as history.
            using var http = new HttpClient { Timeout = LineTimeout };
            var finals = (await http.GetFromJsonAsync<JsonElement>(controlUrl + "/final-answers")).EnumerateArray().ToList();
            var completed = finals.Where(f => f.GetProperty("state").GetString() == "completed").ToList();
            Assert.Equal(2, completed.Count);
            Assert.Contains("It was given 0 earlier messages", completed[0].GetProperty("answer").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("The user asks: \"What is Miti?\"", completed[0].GetProperty("reasoning").GetString(), StringComparison.Ordinal);
            Assert.Contains("It was given 2 earlier messages", completed[1].GetProperty("answer").GetString(), StringComparison.Ordinal);
            var failed = Assert.Single(finals, f => f.GetProperty("state").GetString() == "failed");
            Assert.Equal("model_error", failed.GetProperty("error").GetProperty("code").GetString());

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
            Assert.Contains("ChatAgent stopped.", agent.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("handler failed", agent.Output, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task ChatAgent_with_OPENAI_BASE_URL_answers_through_the_OpenAI_client_with_history_and_the_system_prompt()
    {
        await using var openAI = new FakeOpenAIServer();
        var environment = new Dictionary<string, string?>(NoCredentials)
        {
            ["OPENAI_API_KEY"] = null,
            ["OPENAI_BASE_URL"] = openAI.BaseUrl,
            ["OPENAI_MODEL"] = "fake-model",
        };
        using var agent = build.Run(SamplesBuildFixture.ChatProject, environment, "--no-demo");
        try
        {
            await agent.WaitForLineAsync("model: fake-model at " + openAI.BaseUrl, LineTimeout);
            string controlUrl = After(await agent.WaitForLineAsync("control API:", LineTimeout), "control API:").Split(' ')[0];
            await agent.WaitForLineAsync("connected to ", LineTimeout);

            using var http = new HttpClient { Timeout = LineTimeout };
            foreach (string question in new[] { "What is Miti?", "And in one word?" })
            {
                var injected = await InjectAsync(http, controlUrl, "u_you", question);
                var final = await http.GetFromJsonAsync<JsonElement>($"{controlUrl}/wait/final-answer?run_id={injected.GetProperty("run_id").GetString()}&timeout_ms=30000");
                Assert.Equal("completed", final.GetProperty("state").GetString());
                Assert.Equal(FakeOpenAIServer.Answer, final.GetProperty("answer").GetString());
            }

            // The second request carries the system prompt, the first exchange as history, then the new question.
            using var second = JsonDocument.Parse(openAI.Requests.ElementAt(1));
            Assert.Equal("fake-model", second.RootElement.GetProperty("model").GetString());
            Assert.True(second.RootElement.GetProperty("stream").GetBoolean());
            var roles = second.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()).ToList();
            Assert.Equal(["system", "user", "assistant", "user"], roles);
            string requestText = second.RootElement.GetProperty("messages").GetRawText();
            Assert.Contains("What is Miti?", requestText, StringComparison.Ordinal);
            Assert.Contains(FakeOpenAIServer.Answer, requestText, StringComparison.Ordinal);
            Assert.Contains("And in one word?", requestText, StringComparison.Ordinal);

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task EchoAgent_chats_from_the_terminal_each_line_a_dm_and_the_reply_printed_and_no_demo_with_no_demo()
    {
        using var agent = build.Run(SamplesBuildFixture.EchoProject, NoCredentials, "--no-demo", "--chat");
        try
        {
            await agent.WaitForLineAsync("Chat: type a message", LineTimeout);
            agent.WriteLine("hello 你好");
            await agent.WaitForLineAsync("<- dm u_you: hello 你好", LineTimeout);
            await agent.WaitForLineAsync("EchoAgent > 收到:hello 你好", LineTimeout);
            agent.WriteLine("history");
            await agent.WaitForLineAsync("EchoAgent > Last 3 messages of conv-u_you:", LineTimeout);
            Assert.DoesNotContain("Demo", agent.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("u_alice", agent.Output, StringComparison.Ordinal);

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public async Task StreamingAgent_prints_a_streamed_answer_in_the_terminal_chat_and_console_lines_stay_in_order()
    {
        using var agent = build.Run(SamplesBuildFixture.StreamingProject, NoCredentials, "--chat");
        try
        {
            await agent.WaitForLineAsync("Demo done. Your turn:", LineTimeout);
            agent.WriteLine("What is streaming?");
            await agent.WaitForLineAsync("StreamingAgent > **Streaming** shows an answer while it is being written:", LineTimeout);
            await agent.WaitForLineAsync("If the user presses *stop*, the run is cancelled and the agent stops writing.", LineTimeout);
            await agent.WaitForLineAsync("-> stream to u_you: completed, ", LineTimeout);

            // The demo's lines come out in the order things happened: each answer's last line before the next
            // message, each cancel before the run's "stopped" line, every answer before "Demo done".
            string[] lines = agent.Output.ReplaceLineEndings("\n").Split('\n');
            int Index(string fragment) => Array.FindIndex(lines, l => l.Contains(fragment, StringComparison.Ordinal));
            Assert.True(Index("-> stream to u_alice: completed") < Index("<- dm u_bob:"));
            foreach (string stopped in lines.Where(l => l.Contains("frames: the run was cancelled", StringComparison.Ordinal)))
            {
                string user = stopped.Split(' ')[3].TrimEnd(':');
                string run = lines.Single(l => l.StartsWith($"-> stream to {user}: started, run ", StringComparison.Ordinal)).Split(' ')[^1];
                Assert.True(Index("<- cancel " + run) < Array.IndexOf(lines, stopped), $"cancel of {run} before its stop line");
                Assert.True(Array.IndexOf(lines, stopped) < Index("Demo done."));
            }

            Assert.Single(lines, l => l.Contains("listening on", StringComparison.Ordinal) || l.Contains("chat page:", StringComparison.Ordinal));

            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(ExitTimeout));
        }
        finally
        {
            output.WriteLine(agent.Output);
        }
    }

    private static TcpListener? TryListen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            listener.Dispose();
            return null;
        }
    }

    private static string After(string line, string label) => line[(line.IndexOf(label, StringComparison.Ordinal) + label.Length)..].Trim();

    private static async Task<JsonElement> InjectAsync(HttpClient http, string controlUrl, string userId, string text)
    {
        using var response = await http.PostAsJsonAsync(controlUrl + "/inject/message", new Dictionary<string, string>
        {
            ["app_id"] = "cli_demo",
            ["user_id"] = userId,
            ["text"] = text,
        });
        response.EnsureSuccessStatusCode();
        var injected = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(injected.GetProperty("delivered").GetBoolean());
        return injected;
    }

    private static async Task<JsonElement> InjectAndWaitForReplyAsync(HttpClient http, string controlUrl, string userId, string text)
    {
        var injected = await InjectAsync(http, controlUrl, userId, text);
        string messageId = injected.GetProperty("message_id").GetString()!;
        return await http.GetFromJsonAsync<JsonElement>($"{controlUrl}/wait/sent?app_id=cli_demo&reply_to_message_id={messageId}&timeout_ms=30000");
    }

    [GeneratedRegex(@"completed, [0-9]{3,} characters in [0-9]+ frames$")]
    private static partial Regex CompletedLine();
}
