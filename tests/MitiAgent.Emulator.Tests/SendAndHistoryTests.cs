using System.Net;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

public sealed class SendAndHistoryTests
{
    [Theory]
    [InlineData("text", """{"text":"hi"}""", "hi")]
    [InlineData("at_text", """{"text":"@Alice look","atUserList":["u_1"]}""", "@Alice look")]
    [InlineData("image", """{"images":[{"url":"https://img/1.png","mime_type":"image/png"}]}""", "[image]")]
    [InlineData("multimodal", """{"text":"see","images":[{"url":"https://img/1.png"},{"url":"https://img/2.png"}]}""", "[image] [image] see")]
    [InlineData("stream_full", """{"markdown":"**bold**","ask_msg_id":"msg-1","finished":true}""", "**bold**")]
    public async Task Every_agent_msg_type_is_accepted_stored_and_rendered(string msgType, string content, string rendered)
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterUser("u_1");

        var (status, body) = await h.SendAsync(token, $$"""{"to_user_id":"u_1","msg_type":"{{msgType}}","content":{{content}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("code").GetInt32());
        string messageId = body.GetProperty("data").GetProperty("message_id").GetString()!;
        Assert.Equal(h.Time.GetUtcNow().ToUnixTimeMilliseconds(), body.GetProperty("data").GetProperty("create_time").GetInt64());
        var sent = Assert.Single(h.Emulator.SentMessages);
        Assert.Equal(messageId, sent.MessageId);
        Assert.Equal(msgType, sent.MsgType);
        Assert.Equal(rendered, sent.Text);
        var (_, history) = await h.HistoryAsync(token, "conv-u_1");
        var message = history.GetProperty("data").GetProperty("messages")[0];
        Assert.Equal(rendered, message.GetProperty("content").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
    }

    [Theory]
    [InlineData("""{"to_user_id":"u_1","to_group_id":"sg_1","msg_type":"text","content":{"text":"x"}}""")]
    [InlineData("""{"msg_type":"text","content":{"text":"x"}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"telepathy","content":{"text":"x"}}""")]
    [InlineData("""{"to_user_id":"u_1","content":{"text":"x"}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"text","content":"x"}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"text"}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"text","content":{"text":""}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"text","content":{"text":42}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"at_text","content":{"text":"@x","atUserList":"u_2"}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"image","content":{"images":[]}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"image","content":{"images":[{"mime_type":"image/png"}]}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"multimodal","content":{}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"stream_full","content":{"markdown":"x","finished":"yes"}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"stream_full","content":{"ask_msg_id":"m"}}""")]
    [InlineData("""{"to_user_id":"u_1","msg_type":"text","content":{"text":"x"},"reply_to_message_id":"msg-unknown"}""")]
    [InlineData("not json")]
    public async Task Invalid_send_answers_10003_and_stores_nothing(string json)
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterUser("u_1");

        var (status, body) = await h.SendAsync(token, json);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WireNames.Codes.InvalidParameter, body.GetProperty("code").GetInt32());
        Assert.Empty(h.Emulator.SentMessages);
    }

    [Theory]
    [InlineData("text", "text")]
    [InlineData("stream_full", "markdown")]
    public async Task Text_and_markdown_are_limited_to_20000_characters(string msgType, string member)
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterUser("u_1");

        string ok = new('a', 20_000);
        Assert.Equal(0, (await h.SendAsync(token, $$$"""{"to_user_id":"u_1","msg_type":"{{{msgType}}}","content":{"{{{member}}}":"{{{ok}}}"}}""")).Body.GetProperty("code").GetInt32());
        var (_, tooLong) = await h.SendAsync(token, $$$"""{"to_user_id":"u_1","msg_type":"{{{msgType}}}","content":{"{{{member}}}":"{{{ok}}}b"}}""");
        Assert.Equal(WireNames.Codes.InvalidParameter, tooLong.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Text_limit_counts_code_points_like_the_reference()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterUser("u_1");
        string emoji = string.Concat(Enumerable.Repeat("😀", 20_000)); // 40 000 UTF-16 units, 20 000 code points

        Assert.Equal(0, (await h.SendAsync(token, $$$"""{"to_user_id":"u_1","msg_type":"text","content":{"text":"{{{emoji}}}"}}""")).Body.GetProperty("code").GetInt32());
        Assert.Equal(WireNames.Codes.InvalidParameter, (await h.SendAsync(token, $$$"""{"to_user_id":"u_1","msg_type":"text","content":{"text":"{{{emoji}}}a"}}""")).Body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Unknown_targets_answer_10013()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        Assert.Equal(WireNames.Codes.NotFound, (await h.SendAsync(token, """{"to_user_id":"u_nobody","msg_type":"text","content":{"text":"x"}}""")).Body.GetProperty("code").GetInt32());
        Assert.Equal(WireNames.Codes.NotFound, (await h.SendAsync(token, """{"to_group_id":"sg_nowhere","msg_type":"text","content":{"text":"x"}}""")).Body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Permission_rules_answer_10012()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterGroup("sg_private", "Private", ["u_1"]);
        h.Emulator.RegisterUser("u_2");
        h.Emulator.BlockAgent("u_2", EmulatorHarness.AppId);

        var (_, group) = await h.SendAsync(token, """{"to_group_id":"sg_private","msg_type":"text","content":{"text":"x"}}""");
        var (_, user) = await h.SendAsync(token, """{"to_user_id":"u_2","msg_type":"text","content":{"text":"x"}}""");

        Assert.Equal(WireNames.Codes.NoPermission, group.GetProperty("code").GetInt32());
        Assert.Equal("no permission", group.GetProperty("msg").GetString());
        Assert.Equal(WireNames.Codes.NoPermission, user.GetProperty("code").GetInt32());

        h.Emulator.RegisterGroup("sg_private", null, [], [EmulatorHarness.AppId]);
        h.Emulator.BlockAgent("u_2", EmulatorHarness.AppId, blocked: false);
        Assert.Equal(0, (await h.SendAsync(token, """{"to_group_id":"sg_private","msg_type":"text","content":{"text":"x"}}""")).Body.GetProperty("code").GetInt32());
        Assert.Equal(0, (await h.SendAsync(token, """{"to_user_id":"u_2","msg_type":"text","content":{"text":"x"}}""")).Body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Group_reply_enters_the_group_conversation()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var at = h.Emulator.InjectGroupAt(EmulatorHarness.AppId, "sg_1", "u_1", "ping");

        var (_, body) = await h.SendAsync(token, $$"""{"to_group_id":"sg_1","msg_type":"text","content":{"text":"pong"},"reply_to_message_id":"{{at.MessageId}}"}""");

        Assert.Equal(0, body.GetProperty("code").GetInt32());
        var sent = Assert.Single(h.Emulator.SentMessages);
        Assert.Equal("conv-sg_1", sent.ConversationId);
        Assert.Equal(at.MessageId, sent.ReplyToMessageId);
        Assert.Equal(["@TestBot ping", "pong"], h.Emulator.GetConversation(EmulatorHarness.AppId, "conv-sg_1").Select(m => m.Content));
    }

    [Fact]
    public async Task Send_rate_limit_answers_429_with_retry_after_until_the_window_passes()
    {
        await using var h = await EmulatorHarness.StartAsync(o =>
            o.Apps.Add(new EmulatorApp("cli_limited", "s") { SendRateLimit = new SendRateLimit(2, TimeSpan.FromSeconds(10)) }));
        string token = await h.GetTokenAsync("cli_limited", "s");
        h.Emulator.RegisterUser("u_1");
        const string body = """{"to_user_id":"u_1","msg_type":"text","content":{"text":"x"}}""";

        Assert.Equal(0, (await h.SendAsync(token, body)).Body.GetProperty("code").GetInt32());
        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, (await h.SendAsync(token, body)).Body.GetProperty("code").GetInt32());

        using (var limited = await h.PostAsync(WireNames.Paths.SendMessage, body, token))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(6), limited.Headers.RetryAfter!.Delta);
        }

        h.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(0, (await h.SendAsync(token, body)).Body.GetProperty("code").GetInt32());
        Assert.Equal(3, h.Emulator.SentMessages.Count);
    }

    [Fact]
    public async Task History_returns_the_newest_messages_oldest_first_with_has_more()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        for (int i = 1; i <= 25; i++)
        {
            h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "m" + i);
            h.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var (_, limited) = await h.HistoryAsync(token, "conv-u_1", "?limit=10");
        var data = limited.GetProperty("data");
        Assert.Equal(Enumerable.Range(16, 10).Select(i => "m" + i), data.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        Assert.True(data.GetProperty("has_more").GetBoolean());
        var times = data.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("create_time").GetInt64()).ToArray();
        Assert.Equal(times.Order(), times);
        var first = data.GetProperty("messages")[0];
        Assert.Equal("user", first.GetProperty("role").GetString());
        Assert.Equal("u_1", first.GetProperty("sender_id").GetString());
        Assert.Equal("text", first.GetProperty("msg_type").GetString());

        var (_, byDefault) = await h.HistoryAsync(token, "conv-u_1");
        Assert.Equal(20, byDefault.GetProperty("data").GetProperty("messages").GetArrayLength());

        var (_, all) = await h.HistoryAsync(token, "conv-u_1", "?limit=100");
        Assert.Equal(25, all.GetProperty("data").GetProperty("messages").GetArrayLength());
        Assert.False(all.GetProperty("data").GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=101")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=ten")]
    [InlineData("?limit=")]
    public async Task History_limit_outside_1_to_100_answers_10003(string query)
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "x");

        var (_, body) = await h.HistoryAsync(token, "conv-u_1", query);

        Assert.Equal(WireNames.Codes.InvalidParameter, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task History_of_an_unknown_or_foreign_conversation_answers_10013()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.Apps.Add(new EmulatorApp("cli_other", "s")));
        h.Emulator.InjectMessage("cli_other", "u_1", "private to the other app");
        string token = await h.GetTokenAsync();

        Assert.Equal(WireNames.Codes.NotFound, (await h.HistoryAsync(token, "conv-u_1")).Body.GetProperty("code").GetInt32());
        Assert.Equal(WireNames.Codes.NotFound, (await h.HistoryAsync(token, "conv-nobody")).Body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task History_renders_images_and_multimodal_user_messages()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "image", System.Text.Json.JsonDocument.Parse("""{"images":[{"url":"https://x/1.png"}]}""").RootElement);
        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "multimodal", System.Text.Json.JsonDocument.Parse("""{"text":"what is this?","images":[{"url":"https://x/2.png"}]}""").RootElement);

        var (_, body) = await h.HistoryAsync(token, "conv-u_1");

        Assert.Equal(["[image]", "[image] what is this?"], body.GetProperty("data").GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
    }
}
