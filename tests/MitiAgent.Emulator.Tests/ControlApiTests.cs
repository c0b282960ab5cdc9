using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

/// <summary>The HTTP control API under /_emulator drives the same behaviour as the C# API.</summary>
public sealed class ControlApiTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> Post(EmulatorHarness h, string path, string json)
    {
        using var response = await h.Http.PostAsync(h.Emulator.ControlUrl + path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Get(EmulatorHarness h, string pathAndQuery)
    {
        using var response = await h.Http.GetAsync(h.Emulator.ControlUrl + pathAndQuery);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Apps_registered_over_http_get_tokens_and_are_listed_without_secrets()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var (status, body) = await Post(h, "/apps", """{"app_id":"cli_http","app_secret":"s3cr3t-http","name":"HttpBot","token_lifetime_seconds":30}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("ok").GetBoolean());

        var (_, token) = await h.RequestTokenAsync("cli_http", "s3cr3t-http");
        Assert.Equal(30, token.GetProperty("data").GetProperty("expires_in").GetInt32());

        using var list = await h.Http.GetAsync(h.Emulator.ControlUrl + "/apps");
        string text = await list.Content.ReadAsStringAsync();
        Assert.Contains("\"cli_http\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-http", text, StringComparison.Ordinal);

        Assert.True((await Post(h, "/apps/disable", """{"app_id":"cli_http"}""")).Body.GetProperty("ok").GetBoolean());
        Assert.Equal(WireNames.Codes.AppDisabled, (await h.RequestTokenAsync("cli_http", "s3cr3t-http")).Body.GetProperty("code").GetInt32());
        await Post(h, "/apps/enable", """{"app_id":"cli_http"}""");
        Assert.Equal(0, (await h.RequestTokenAsync("cli_http", "s3cr3t-http")).Body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Missing_fields_and_bad_json_answer_400_with_an_error()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var (s1, b1) = await Post(h, "/apps", """{"app_id":"x"}""");
        var (s2, b2) = await Post(h, "/inject/message", "not json");
        var (s3, b3) = await Post(h, "/inject/message", """{"app_id":"cli_missing","user_id":"u_1","text":"x"}""");

        // The spec's envelope, with a plain message: no .NET wording such as "(Parameter 'appId')".
        Assert.Equal(HttpStatusCode.BadRequest, s1);
        Assert.Equal(WireNames.Codes.InvalidParameter, b1.GetProperty("code").GetInt32());
        Assert.Equal("app_secret is required", b1.GetProperty("msg").GetString());
        Assert.Equal(JsonValueKind.Null, b1.GetProperty("data").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, s2);
        Assert.Equal("the body must be a JSON object", b2.GetProperty("msg").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, s3);
        Assert.Equal("No app 'cli_missing' is registered with the emulator.", b3.GetProperty("msg").GetString());
        foreach (var body in new[] { b1, b2, b3 })
        {
            Assert.Equal(["code", "msg", "data"], body.EnumerateObject().Select(p => p.Name));
        }
    }

    [Fact]
    public async Task Unknown_control_paths_answer_404_with_the_envelope()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var (status, body) = await Get(h, "/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(WireNames.Codes.NotFound, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Control_api_json_is_readable_utf8_while_the_wire_protocol_keeps_its_escaping()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var gw = await h.ConnectAsync(token);
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_zh", "你好 <b>&", "小明");

        await gw.ReceiveAsync("event");
        string wire;
        lock (gw.RawFrames)
        {
            wire = gw.RawFrames.Single(f => f.Contains(injected.EventId, StringComparison.Ordinal));
        }

        Assert.Contains("\\u4F60\\u597D", wire, StringComparison.Ordinal); // the event frame: System.Text.Json's default escaping
        await gw.AckAsync(injected.EventId);
        await h.SendAsync(token, $$"""{"to_user_id":"u_zh","msg_type":"text","content":{"text":"收到:你好"},"reply_to_message_id":"{{injected.MessageId}}"}""");

        using var sent = await h.Http.GetAsync(h.Emulator.ControlUrl + "/sent");
        string sentText = await sent.Content.ReadAsStringAsync();
        Assert.Equal("application/json; charset=utf-8", sent.Content.Headers.ContentType?.ToString());
        Assert.Contains("收到:你好", sentText, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", sentText, StringComparison.Ordinal);

        using var conversation = await h.Http.GetAsync($"{h.Emulator.ControlUrl}/conversations/{EmulatorHarness.AppId}/conv-u_zh");
        string history = await conversation.Content.ReadAsStringAsync();
        Assert.Contains("你好 <b>&", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_custom_msg_type_is_injected_over_http_unchanged_and_its_typed_reply_needs_AllowCustomMsgTypes()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.AllowCustomMsgTypes = true);
        string token = await h.GetTokenAsync();
        var gw = await h.ConnectAsync(token);

        var (_, injected) = await Post(h, "/inject/message", """{"app_id":"cli_test","user_id":"u_9","msg_type":"order_card","content":{"order_id":"o-1","total":12.5,"items":[{"sku":"a","quantity":2}],"due_at":null}}""");
        var evt = await gw.ReceiveAsync("event");
        var message = evt.GetProperty("event").GetProperty("message");
        Assert.Equal("order_card", message.GetProperty("msg_type").GetString());
        Assert.Equal("""{"order_id":"o-1","total":12.5,"items":[{"sku":"a","quantity":2}],"due_at":null}""", message.GetProperty("content").GetRawText());
        string messageId = injected.GetProperty("message_id").GetString()!;

        var (_, accepted) = await h.SendAsync(token, $$"""{"to_user_id":"u_9","msg_type":"order_ack","content":{"order_id":"o-1","item_count":1},"reply_to_message_id":"{{messageId}}"}""");
        Assert.Equal(0, accepted.GetProperty("code").GetInt32());
        var (_, waited) = await Get(h, $"/wait/sent?app_id=cli_test&reply_to_message_id={messageId}&timeout_ms=5000");
        Assert.Equal("order_ack", waited.GetProperty("msg_type").GetString());
        Assert.Equal("""{"order_id":"o-1","item_count":1}""", waited.GetProperty("content").GetRawText());

        // The spec's own types are still checked, and content must still be an object.
        var (_, badText) = await h.SendAsync(token, """{"to_user_id":"u_9","msg_type":"text","content":{"markdown":"x"}}""");
        Assert.Equal(WireNames.Codes.InvalidParameter, badText.GetProperty("code").GetInt32());
        var (_, notObject) = await h.SendAsync(token, """{"to_user_id":"u_9","msg_type":"order_ack","content":[1]}""");
        Assert.Equal(WireNames.Codes.InvalidParameter, notObject.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Without_AllowCustomMsgTypes_a_custom_msg_type_send_answers_10003()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterUser("u_1");

        var (_, body) = await h.SendAsync(token, """{"to_user_id":"u_1","msg_type":"order_ack","content":{"order_id":"o-1"}}""");

        Assert.Equal(WireNames.Codes.InvalidParameter, body.GetProperty("code").GetInt32());
        Assert.Equal("unsupported msg_type 'order_ack'", body.GetProperty("msg").GetString());
        Assert.Empty(h.Emulator.SentMessages);
    }

    [Fact]
    public async Task Inject_over_http_reaches_the_agent_and_replies_are_readable_over_http()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var gw = await h.ConnectAsync(token);

        var (_, injected) = await Post(h, "/inject/message", """{"app_id":"cli_test","user_id":"u_9","user_name":"Zoe","text":"hello over http"}""");
        string eventId = injected.GetProperty("event_id").GetString()!;
        string messageId = injected.GetProperty("message_id").GetString()!;
        Assert.True(injected.GetProperty("delivered").GetBoolean());
        var evt = await gw.ReceiveAsync("event");
        Assert.Equal(eventId, evt.GetProperty("header").GetProperty("event_id").GetString());
        Assert.Equal("Zoe", evt.GetProperty("event").GetProperty("sender").GetProperty("name").GetString());

        await h.SendAsync(token, $$"""{"to_user_id":"u_9","msg_type":"text","content":{"text":"hi Zoe"},"reply_to_message_id":"{{messageId}}"}""");

        var (waitStatus, waited) = await Get(h, $"/wait/sent?app_id=cli_test&reply_to_message_id={messageId}&timeout_ms=5000");
        Assert.Equal(HttpStatusCode.OK, waitStatus);
        Assert.Equal("hi Zoe", waited.GetProperty("content").GetProperty("text").GetString());
        var (_, sent) = await Get(h, "/sent?app_id=cli_test");
        Assert.Equal(1, sent.GetArrayLength());
        var (_, conversation) = await Get(h, "/conversations/cli_test/conv-u_9");
        Assert.Equal(["hello over http", "hi Zoe"], conversation.EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        var (_, deliveries) = await Get(h, $"/deliveries?event_id={eventId}");
        Assert.Equal(1, deliveries.GetArrayLength());
        var (_, connections) = await Get(h, "/connections?app_id=cli_test");
        Assert.Equal(gw.ConnId, connections[0].GetProperty("conn_id").GetString());
        var (_, requests) = await Get(h, "/requests?app_id=cli_test");
        Assert.Contains(requests.EnumerateArray(), r => r.GetProperty("path").GetString() == WireNames.Paths.SendMessage);
    }

    [Fact]
    public async Task Group_at_and_cancel_over_http()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        await Post(h, "/groups", """{"group_id":"sg_team","name":"Team","member_ids":["u_1","u_2"],"agent_app_ids":["cli_test"]}""");

        var (_, at) = await Post(h, "/inject/group-at", """{"app_id":"cli_test","group_id":"sg_team","user_id":"u_2","text":"summarise"}""");
        var evt = await gw.ReceiveAsync("event");
        Assert.Equal("sg_team", evt.GetProperty("event").GetProperty("group_id").GetString());

        var (_, cancel) = await Post(h, "/inject/cancel", $$"""{"app_id":"cli_test","run_id":"{{at.GetProperty("run_id").GetString()}}"}""");
        Assert.Equal(WireNames.EventTypes.AssistantCancel, cancel.GetProperty("event_type").GetString());
        Assert.Equal(WireNames.EventTypes.AssistantCancel, (await gw.ReceiveAsync("event")).GetProperty("header").GetProperty("event_type").GetString());
    }

    [Fact]
    public async Task Users_and_blocks_over_http_drive_permission_answers()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        await Post(h, "/users", """{"user_id":"u_5","name":"Eve"}""");
        await Post(h, "/blocks", """{"user_id":"u_5","app_id":"cli_test"}""");

        var (_, body) = await h.SendAsync(token, """{"to_user_id":"u_5","msg_type":"text","content":{"text":"x"}}""");

        Assert.Equal(WireNames.Codes.NoPermission, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Stream_results_are_readable_and_awaitable_over_http()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        var run = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "q");
        await gw.SendAsync($$"""{"type":"stream","event_id":"aevt-1","run_id":"{{run.RunId}}","seq":1,"state":"completed","answer":"42"}""");

        var (status, final) = await Get(h, $"/wait/final-answer?run_id={run.RunId}&timeout_ms=5000");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("42", final.GetProperty("answer").GetString());
        Assert.Equal(1, (await Get(h, $"/stream-frames?run_id={run.RunId}")).Body.GetArrayLength());
        Assert.Equal(1, (await Get(h, "/final-answers")).Body.GetArrayLength());
    }

    [Fact]
    public async Task Waiting_in_vain_answers_408()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var (status, body) = await Get(h, "/wait/final-answer?run_id=run-none&timeout_ms=50");
        Assert.Equal(HttpStatusCode.RequestTimeout, status);
        Assert.Contains("run-none", body.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_and_large_frames_over_http()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        Assert.Equal(HttpStatusCode.OK, (await Post(h, "/faults/binary-frame", $$"""{"conn_id":"{{gw.ConnId}}","size":3}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Post(h, "/faults/binary-frame", $$"""{"conn_id":"{{gw.ConnId}}","text":"héllo"}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Post(h, "/faults/binary-frame", $$"""{"conn_id":"{{gw.ConnId}}"}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Post(h, "/faults/large-frame", $$"""{"conn_id":"{{gw.ConnId}}","size":100000}""")).Status);
        var (missing, error) = await Post(h, "/faults/large-frame", $$"""{"conn_id":"{{gw.ConnId}}"}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains("size", error.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(h, "/faults/large-frame", $$"""{"conn_id":"{{gw.ConnId}}","size":10}""")).Status);
        await gw.SendAsync("""{"type":"ping","ts":1}""");

        Assert.Equal(1, (await gw.ReceiveAsync("pong")).GetProperty("ts").GetInt64());
        lock (gw.RawFrames)
        {
            Assert.Equal([3, 6, 16], gw.BinaryFrames.Select(b => b.Length));
            Assert.Equal("héllo", Encoding.UTF8.GetString(gw.BinaryFrames[1]));
            Assert.Equal(100_000, Encoding.UTF8.GetByteCount(Assert.Single(gw.RawFrames, f => f.Contains("emulator.padding", StringComparison.Ordinal))));
        }
    }

    [Fact]
    public async Task Faults_over_http()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var a = await h.ConnectAsync(token);
        var b = await h.ConnectAsync(token);
        var c = await h.ConnectAsync(token);
        var d = await h.ConnectAsync(token);

        await Post(h, "/faults/close-connection", $$"""{"conn_id":"{{a.ConnId}}","code":4429,"reason":"too many"}""");
        Assert.Equal((WebSocketCloseStatus)4429, await a.WaitClosedAsync());

        await Post(h, "/faults/drop-connection", $$"""{"conn_id":"{{b.ConnId}}"}""");
        Assert.Null(await b.WaitClosedAsync());

        await Post(h, "/faults/malformed-frame", $$"""{"conn_id":"{{c.ConnId}}","text":"<garbage>"}""");
        await Post(h, "/faults/reconnect", $$"""{"conn_id":"{{c.ConnId}}","reason":"deploy","close_after_ms":1000}""");
        Assert.Equal("deploy", (await c.ReceiveAsync("reconnect")).GetProperty("reason").GetString());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await c.WaitClosedAsync());

        await Post(h, "/faults/silence", $$"""{"conn_id":"{{d.ConnId}}"}""");
        await d.SendAsync("""{"type":"ping","ts":1}""");
        Assert.True(await d.ReceivesNothingAsync());
        await Post(h, "/faults/silence", $$"""{"conn_id":"{{d.ConnId}}","silent":false}""");
        await d.SendAsync("""{"type":"ping","ts":2}""");
        Assert.Equal(2, (await d.ReceiveAsync("pong")).GetProperty("ts").GetInt64());

        await Post(h, "/faults/fail-requests", """{"count":1,"status":429,"retry_after_seconds":3,"path_prefix":"/agent/v1/auth"}""");
        using (var limited = await h.PostAsync(WireNames.Paths.Token, """{"app_id":"cli_test","app_secret":"secret_test_value"}"""))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(3), limited.Headers.RetryAfter!.Delta);
        }

        var (_, revoked) = await Post(h, "/faults/revoke-tokens", $$"""{"token":"{{token}}"}""");
        Assert.Equal(1, revoked.GetProperty("count").GetInt32());
        Assert.Equal((WebSocketCloseStatus)WireNames.CloseCodes.TokenRevoked, await d.WaitClosedAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(h, "/faults/revoke-tokens", "{}")).Status);
    }

    [Fact]
    public async Task Ack_faults_over_http()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        await Post(h, "/faults/ignore-event-acks", """{"count":1}""");
        await Post(h, "/faults/duplicate-events", """{"count":1}""");
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "x");
        await gw.ReceiveAsync("event");
        await gw.ReceiveAsync("event");
        await gw.AckAsync(injected.EventId);
        Assert.True((await h.Emulator.WaitForEventAckAsync(injected.EventId)).Ignored);

        await Post(h, "/faults/drop-acks", """{"count":1}""");
        await Post(h, "/faults/delay-acks", """{"delay_ms":2000}""");
        string frame = $$"""{"type":"stream","event_id":"aevt-1","run_id":"{{injected.RunId}}","seq":1,"state":"completed","answer":"A"}""";
        await gw.SendAsync(frame);
        await h.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        await gw.SendAsync(frame);
        Assert.True(await gw.ReceivesNothingAsync());
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("aevt-1", (await gw.ReceiveAsync("ack")).GetProperty("event_id").GetString());
    }
}
