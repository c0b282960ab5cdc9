using System.Text.Json;
using MitiAgent.Tests.Integration;

namespace MitiAgent.Tests;

/// <summary>
/// Issue 14 §4: every public argument is checked with a clear, typed exception before any request is made (the emulator
/// counts requests; the fake sink records sends), and the base URL is rejected in every insecure form.
/// </summary>
public sealed class UserInputValidationTests
{
    private static readonly string TooLong = new('a', 20_001);

    [Theory]
    [InlineData("http://example.com")]
    [InlineData("http://example.com:80/chat")]
    [InlineData("http://10.0.0.5")]
    [InlineData("http://192.168.1.1:8080/chat")]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://128.0.0.1")]
    [InlineData("http://[2001:db8::1]/chat")]
    [InlineData("http://[::]:5000")]
    [InlineData("http://[::ffff:10.0.0.1]/chat")]
    [InlineData("http://localhost.evil.com")]
    [InlineData("http://localhost.evil.com:10006/chat")]
    [InlineData("http://127.0.0.1.evil.com/chat")]
    [InlineData("http://evil-localhost/chat")]
    [InlineData("http://localhost@evil.com")]
    [InlineData("http://127.0.0.1@evil.com")]
    [InlineData("http://127.0.0.1:80@evil.com/chat")]
    [InlineData("http://evil.com\\@127.0.0.1/chat")]
    [InlineData("http://evil.com#@127.0.0.1")]
    [InlineData("HTTP://EXAMPLE.COM")]
    [InlineData("Http://Example.com/chat")]
    [InlineData("hTtP://10.1.2.3")]
    [InlineData("ws://localhost:10006/chat")]
    [InlineData("ws://example.com/chat")]
    [InlineData("WSS://example.com/chat")]
    [InlineData("wss://example.com/chat")]
    [InlineData("ftp://example.com")]
    [InlineData("file:///etc/passwd")]
    [InlineData("//example.com/chat")]
    [InlineData("example.com/chat")]
    [InlineData("http://")]
    [InlineData("https://user:pw@example.com")]
    public void An_insecure_or_malformed_base_url_is_rejected_by_the_client_constructor(string baseUrl)
    {
        var options = new MitiAgentOptions { AppId = "cli_x", AppSecret = "secret-x", BaseUrl = baseUrl, RegisterSignals = false };

        var ex = Assert.Throws<MitiConfigurationException>(() => new MitiAgentClient(options));
        Assert.Contains("base URL", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", ex.Message, StringComparison.Ordinal);
        Assert.Throws<MitiConfigurationException>(options.Validate);
    }

    [Theory]
    [InlineData("HTTP://LOCALHOST:10006/chat", "ws://localhost:10006/chat/agent/gateway")]
    [InlineData("http://127.0.0.2:5000", "ws://127.0.0.2:5000/agent/gateway")]
    [InlineData("http://[::1]:5000", "ws://[::1]:5000/agent/gateway")]
    [InlineData("HTTPS://Example.COM/chat", "wss://example.com/chat/agent/gateway")]
    public void Loopback_http_and_any_https_are_accepted_whatever_the_case(string baseUrl, string gateway)
    {
        Assert.Equal(gateway, MitiEndpoints.Resolve(baseUrl).GatewayUri.ToString());
    }

    [Fact]
    public async Task Client_arguments_are_checked_before_any_request()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = new MitiAgentClient(host.Options());
        int requests = host.Emulator.Requests.Count;

        await Assert.ThrowsAsync<ArgumentNullException>(() => client.SendMessageAsync(null!, OutgoingContent.Text("hi")));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.SendMessageAsync(MessageTarget.User("u_1"), null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.GetHistoryAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetHistoryAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetHistoryAsync("   "));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetHistoryAsync("conv_1", 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetHistoryAsync("conv_1", -1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetHistoryAsync("conv_1", 101));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetHistoryAsync("conv_1", int.MaxValue));
        // Raw content is checked when it is sent: an over-length text never leaves the process.
        var rawTooLong = OutgoingContent.Raw("text", JsonDocument.Parse("{\"text\": \"" + TooLong + "\"}").RootElement);
        await Assert.ThrowsAsync<ArgumentException>(() => client.SendMessageAsync(MessageTarget.Group("sg_1"), rawTooLong));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.StartAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.RunAsync(null!));

        Assert.Equal(requests, host.Emulator.Requests.Count);
        Assert.Throws<ArgumentNullException>(() => new MitiAgentClient(null!));
    }

    [Fact]
    public void Targets_are_exactly_one_non_empty_id()
    {
        Assert.Throws<ArgumentNullException>(() => MessageTarget.User(null!));
        Assert.Throws<ArgumentException>(() => MessageTarget.User(""));
        Assert.Throws<ArgumentException>(() => MessageTarget.User(" \t"));
        Assert.Throws<ArgumentNullException>(() => MessageTarget.Group(null!));
        Assert.Throws<ArgumentException>(() => MessageTarget.Group(""));
        Assert.Throws<ArgumentException>(() => MessageTarget.Group("  "));

        // Both or neither cannot be expressed: a target is built by User or Group only and has one id.
        Assert.Empty(typeof(MessageTarget).GetConstructors());
    }

    [Fact]
    public void Content_is_checked_when_it_is_built()
    {
        Assert.Throws<ArgumentNullException>(() => OutgoingContent.Text(null!));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Text(""));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Text(TooLong));
        OutgoingContent.Text(new string('a', 20_000)); // the limit itself is fine
        Assert.Throws<ArgumentException>(() => OutgoingContent.Markdown(TooLong));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Markdown("ok", askMsgId: " "));
        Assert.Throws<ArgumentException>(() => OutgoingContent.AtText("hi", []));
        Assert.Throws<ArgumentException>(() => OutgoingContent.AtText("hi", ["u_1", ""]));
        Assert.Throws<ArgumentNullException>(() => OutgoingContent.AtText("hi", null!));
        Assert.Throws<ArgumentException>(() => OutgoingContent.AtText(TooLong, ["u_1"]));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Image(""));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Multimodal(null, []));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Multimodal(TooLong, []));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Raw("", JsonDocument.Parse("{}").RootElement));
        Assert.Throws<ArgumentException>(() => OutgoingContent.Raw("text", JsonDocument.Parse("[1]").RootElement));
    }

    [Fact]
    public async Task Event_replies_are_checked_before_anything_is_sent()
    {
        var sink = new FakeSink();
        var e = Frames.Event<MessageEvent>(Frames.WithMessage("""{"message_id": "m1", "conversation_id": "conv-1", "msg_type": "text", "content": {"text": "hi"}}"""), sink);

        await Assert.ThrowsAsync<ArgumentNullException>(() => e.ReplyAsync((string)null!));
        await Assert.ThrowsAsync<ArgumentException>(() => e.ReplyAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => e.ReplyAsync(TooLong));
        await Assert.ThrowsAsync<ArgumentException>(() => e.ReplyAsync(TooLong, useMarkdown: false));
        await Assert.ThrowsAsync<ArgumentNullException>(() => e.ReplyAsync((OutgoingContent)null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => e.GetHistoryAsync(0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => e.GetHistoryAsync(101));
        await Assert.ThrowsAsync<ArgumentNullException>(() => e.ReplyCompletedAsync(null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => e.ReplyCompletedAsync("done", null, seq: 0));
        await Assert.ThrowsAsync<ArgumentException>(() => e.ReplyFailedAsync("", "msg"));
        await Assert.ThrowsAsync<ArgumentException>(() => e.ReplyFailedAsync(" ", "msg"));

        Assert.Empty(sink.Sent);
        Assert.Empty(sink.Terminals);
        Assert.Empty(sink.Deltas);
    }
}
