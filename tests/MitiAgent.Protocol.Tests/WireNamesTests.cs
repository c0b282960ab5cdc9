namespace MitiAgent.Protocol.Tests;

/// <summary><see cref="WireNames"/>: paths, stream states and the constants the spec fixes.</summary>
public class WireNamesTests
{
    [Theory]
    [InlineData("conv-u_abc123", "/agent/v1/conversations/conv-u_abc123/messages")]
    [InlineData("a.b~c_d-e", "/agent/v1/conversations/a.b~c_d-e/messages")]
    [InlineData("conv/../x", "/agent/v1/conversations/conv%2F..%2Fx/messages")]
    [InlineData("a b?c#d&e=f", "/agent/v1/conversations/a%20b%3Fc%23d%26e%3Df/messages")]
    [InlineData("100%", "/agent/v1/conversations/100%25/messages")]
    [InlineData("a+b", "/agent/v1/conversations/a%2Bb/messages")]
    [InlineData("会话", "/agent/v1/conversations/%E4%BC%9A%E8%AF%9D/messages")]
    public void HistoryPathEscapesTheConversationId(string conversationId, string expected)
    {
        Assert.Equal(expected, WireNames.Paths.History(conversationId));
    }

    [Theory]
    [InlineData("conv-u_abc123")]
    [InlineData("conv/1 ?#")]
    public void HistoryPathAgreesWithHistoryFormat(string conversationId)
    {
        Assert.Equal(
            string.Format(System.Globalization.CultureInfo.InvariantCulture, WireNames.Paths.HistoryFormat, Uri.EscapeDataString(conversationId)),
            WireNames.Paths.History(conversationId));
    }

    [Fact]
    public void HistoryPathStaysOneSegment()
    {
        string path = WireNames.Paths.History("../../auth/token");
        var uri = new Uri(new Uri("https://www.miti.chat"), "/chat" + path);

        Assert.Equal("/chat/agent/v1/conversations/..%2F..%2Fauth%2Ftoken/messages", uri.AbsolutePath);
    }

    [Theory]
    [InlineData("completed", true)]
    [InlineData("failed", true)]
    [InlineData("delta", false)]
    [InlineData("Completed", false)]
    [InlineData("FAILED", false)]
    [InlineData("", false)]
    [InlineData("cancelled", false)]
    [InlineData(null, false)]
    public void StreamStateIsTerminal(string? state, bool expected)
    {
        Assert.Equal(expected, WireNames.StreamStates.IsTerminal(state));
    }

    [Theory]
    [InlineData("Paths.Token", WireNames.Paths.Token, "/agent/v1/auth/token")]
    [InlineData("Paths.Gateway", WireNames.Paths.Gateway, "/agent/gateway")]
    [InlineData("Paths.SendMessage", WireNames.Paths.SendMessage, "/agent/v1/messages/send")]
    [InlineData("DefaultBaseUrl", WireNames.DefaultBaseUrl, "https://www.miti.chat/chat")]
    [InlineData("BaseUrlEnvironmentVariable", WireNames.BaseUrlEnvironmentVariable, "MITI_API_BASE_URL")]
    [InlineData("LocalDevelopmentBaseUrl", WireNames.LocalDevelopmentBaseUrl, "http://localhost:10006/chat")]
    [InlineData("EventTypes.MessageReceive", WireNames.EventTypes.MessageReceive, "im.message.receive")]
    [InlineData("EventTypes.GroupAt", WireNames.EventTypes.GroupAt, "im.message.group_at")]
    [InlineData("EventTypes.AssistantCancel", WireNames.EventTypes.AssistantCancel, "assistant.cancel")]
    [InlineData("MsgTypes.Text", WireNames.MsgTypes.Text, "text")]
    [InlineData("MsgTypes.AtText", WireNames.MsgTypes.AtText, "at_text")]
    [InlineData("MsgTypes.Image", WireNames.MsgTypes.Image, "image")]
    [InlineData("MsgTypes.Multimodal", WireNames.MsgTypes.Multimodal, "multimodal")]
    [InlineData("MsgTypes.StreamFull", WireNames.MsgTypes.StreamFull, "stream_full")]
    [InlineData("StreamStates.Delta", WireNames.StreamStates.Delta, "delta")]
    [InlineData("StreamStates.Completed", WireNames.StreamStates.Completed, "completed")]
    [InlineData("StreamStates.Failed", WireNames.StreamStates.Failed, "failed")]
    [InlineData("Roles.User", WireNames.Roles.User, "user")]
    [InlineData("Roles.Assistant", WireNames.Roles.Assistant, "assistant")]
    public void StringConstantsMatchSpec(string name, string actual, string spec)
    {
        Assert.True(spec == actual, $"{name} is {actual}, the spec says {spec}");
    }

    [Theory]
    [InlineData("Codes.Ok", WireNames.Codes.Ok, 0)]
    [InlineData("Codes.InvalidCredentials", WireNames.Codes.InvalidCredentials, 10001)]
    [InlineData("Codes.InvalidToken", WireNames.Codes.InvalidToken, 10002)]
    [InlineData("Codes.InvalidParameter", WireNames.Codes.InvalidParameter, 10003)]
    [InlineData("Codes.AppDisabled", WireNames.Codes.AppDisabled, 10004)]
    [InlineData("Codes.NoPermission", WireNames.Codes.NoPermission, 10012)]
    [InlineData("Codes.NotFound", WireNames.Codes.NotFound, 10013)]
    [InlineData("Codes.RateLimited", WireNames.Codes.RateLimited, 10029)]
    [InlineData("Codes.InternalError", WireNames.Codes.InternalError, 50000)]
    [InlineData("CloseCodes.Normal", WireNames.CloseCodes.Normal, 1000)]
    [InlineData("CloseCodes.GoingAway", WireNames.CloseCodes.GoingAway, 1001)]
    [InlineData("CloseCodes.TokenRevoked", WireNames.CloseCodes.TokenRevoked, 4001)]
    [InlineData("CloseCodes.AppDisabled", WireNames.CloseCodes.AppDisabled, 4003)]
    [InlineData("CloseCodes.MalformedFrame", WireNames.CloseCodes.MalformedFrame, 4400)]
    [InlineData("CloseCodes.TooManyConnections", WireNames.CloseCodes.TooManyConnections, 4429)]
    [InlineData("Defaults.PingIntervalMs", WireNames.Defaults.PingIntervalMs, 30000)]
    [InlineData("Defaults.AckTimeoutMs", WireNames.Defaults.AckTimeoutMs, 5000)]
    [InlineData("Defaults.MaxConnectionsPerApp", WireNames.Defaults.MaxConnectionsPerApp, 50)]
    [InlineData("Defaults.MaxTextLength", WireNames.Defaults.MaxTextLength, 20000)]
    [InlineData("Defaults.HistoryDefaultLimit", WireNames.Defaults.HistoryDefaultLimit, 20)]
    [InlineData("Defaults.HistoryMinLimit", WireNames.Defaults.HistoryMinLimit, 1)]
    [InlineData("Defaults.HistoryMaxLimit", WireNames.Defaults.HistoryMaxLimit, 100)]
    [InlineData("Defaults.TerminalFrameAttempts", WireNames.Defaults.TerminalFrameAttempts, 5)]
    [InlineData("Defaults.DeltaCoalesceMs", WireNames.Defaults.DeltaCoalesceMs, 50)]
    public void NumericConstantsMatchSpec(string name, int actual, int spec)
    {
        Assert.True(spec == actual, $"{name} is {actual}, the spec says {spec}");
    }
}
