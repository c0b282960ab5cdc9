using System.Text.Json;

namespace MitiAgent.Protocol.Tests;

/// <summary>REST bodies (spec §2, §3, §6.1, §7) against the spec's literal JSON.</summary>
public class RestRoundTripTests
{
    private static MitiJsonContext Ctx => Wire.Context;

    [Fact]
    public void TokenRequest_section_3()
    {
        const string json = """{"app_id": "cli_a1b2c3", "app_secret": "secret_..."}""";

        TokenRequest request = Wire.Read(json, Ctx.TokenRequest);

        Assert.Equal("cli_a1b2c3", request.AppId);
        Assert.Equal("secret_...", request.AppSecret);
        Wire.AssertWritesBack(request, Ctx.TokenRequest, json);
    }

    [Fact]
    public void TokenResponse_section_3()
    {
        const string json = """{"code": 0, "msg": "ok", "data": {"access_token": "t-...", "expires_in": 7200}}""";

        ApiResponse<TokenData> response = Wire.Read(json, Ctx.ApiResponseTokenData);

        Assert.Equal(WireNames.Codes.Ok, response.Code);
        Assert.Equal("ok", response.Msg);
        Assert.NotNull(response.Data);
        Assert.Equal("t-...", response.Data.AccessToken);
        Assert.Equal(7200, response.Data.ExpiresIn);
        Wire.AssertWritesBack(response, Ctx.ApiResponseTokenData, json);
    }

    [Fact]
    public void Error_envelope_with_null_data()
    {
        const string json = """{"code": 10012, "msg": "no permission", "data": null}""";

        ApiResponse<JsonElement?> response = Wire.Read(json, Ctx.ApiResponseNullableJsonElement);

        Assert.Equal(10012, response.Code);
        Assert.Equal(WireNames.Codes.NoPermission, response.Code);
        Assert.Equal("no permission", response.Msg);
        Assert.Null(response.Data);
        Wire.AssertWritesBack(response, Ctx.ApiResponseNullableJsonElement, json);
        Assert.DoesNotContain("\"data\"", Wire.Write(response, Ctx.ApiResponseNullableJsonElement), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10001, "invalid app_id or app_secret")]
    [InlineData(10002, "access token invalid or expired")]
    [InlineData(10003, "invalid parameter")]
    [InlineData(10004, "app disabled")]
    [InlineData(10012, "no permission")]
    [InlineData(10013, "not found")]
    [InlineData(10029, "rate limited")]
    [InlineData(50000, "internal error")]
    public void Error_envelope_without_data_for_typed_response(int code, string msg)
    {
        string json = $$"""{"code": {{code}}, "msg": "{{msg}}"}""";

        ApiResponse<SendMessageData> response = Wire.Read(json, Ctx.ApiResponseSendMessageData);

        Assert.Equal(code, response.Code);
        Assert.Equal(msg, response.Msg);
        Assert.Null(response.Data);
        Wire.AssertWritesBack(response, Ctx.ApiResponseSendMessageData, json);
    }

    [Fact]
    public void Success_envelope_with_arbitrary_data()
    {
        const string json = """{"code": 0, "msg": "ok", "data": {"anything": [1, "two", {"three": 3}]}}""";

        ApiResponse<JsonElement?> response = Wire.Read(json, Ctx.ApiResponseNullableJsonElement);

        Assert.Equal(0, response.Code);
        Assert.Equal("ok", response.Msg);
        Assert.NotNull(response.Data);
        JsonElement data = response.Data.Value;
        Assert.Equal(JsonValueKind.Object, data.ValueKind);
        Assert.Equal(3, data.GetProperty("anything").GetArrayLength());
        Assert.Equal("two", data.GetProperty("anything")[1].GetString());
        Wire.AssertWritesBack(response, Ctx.ApiResponseNullableJsonElement, json);
    }

    [Fact]
    public void Send_request_section_6_1()
    {
        const string json = """
            {"to_user_id": "u_abc123", "msg_type": "text", "content": {"text": "hi"},
             "reply_to_message_id": "msg-77aa"}
            """;

        SendMessageRequest request = Wire.Read(json, Ctx.SendMessageRequest);

        Assert.Equal("u_abc123", request.ToUserId);
        Assert.Null(request.ToGroupId);
        Assert.Equal(WireNames.MsgTypes.Text, request.MsgType);
        Assert.Equal("hi", Wire.ReadContent(request.Content, Ctx.TextContent).Text);
        Assert.Equal("msg-77aa", request.ReplyToMessageId);
        Wire.AssertWritesBack(request, Ctx.SendMessageRequest, json);
    }

    [Fact]
    public void Send_request_to_group_with_StreamFull_content()
    {
        const string json = """
            {"to_group_id": "sg_xyz789", "msg_type": "stream_full",
             "content": {"markdown": "**Hi**", "ask_msg_id": "msg-77aa", "finished": true},
             "reply_to_message_id": "msg-77aa"}
            """;

        SendMessageRequest request = Wire.Read(json, Ctx.SendMessageRequest);

        Assert.Null(request.ToUserId);
        Assert.Equal("sg_xyz789", request.ToGroupId);
        Assert.Equal(WireNames.MsgTypes.StreamFull, request.MsgType);
        StreamFullContent content = Wire.ReadContent(request.Content, Ctx.StreamFullContent);
        Assert.Equal("**Hi**", content.Markdown);
        Assert.Equal("msg-77aa", content.AskMsgId);
        Assert.True(content.Finished);
        Assert.Equal("msg-77aa", request.ReplyToMessageId);
        Wire.AssertWritesBack(request, Ctx.SendMessageRequest, json);
    }

    [Fact]
    public void Send_request_built_from_typed_content_without_reply_to()
    {
        var request = new SendMessageRequest
        {
            ToUserId = "u_abc123",
            MsgType = WireNames.MsgTypes.Text,
            Content = JsonSerializer.SerializeToElement(new TextContent { Text = "hi" }, Ctx.TextContent),
        };

        Wire.AssertWritesBack(
            request,
            Ctx.SendMessageRequest,
            """{"to_user_id": "u_abc123", "msg_type": "text", "content": {"text": "hi"}}""");
    }

    [Fact]
    public void Send_response_section_6_1()
    {
        const string json = """{"code": 0, "msg": "ok", "data": {"message_id": "msg-90bc", "create_time": 1750240806000}}""";

        ApiResponse<SendMessageData> response = Wire.Read(json, Ctx.ApiResponseSendMessageData);

        Assert.Equal(0, response.Code);
        Assert.Equal("ok", response.Msg);
        Assert.NotNull(response.Data);
        Assert.Equal("msg-90bc", response.Data.MessageId);
        Assert.Equal(1750240806000L, response.Data.CreateTime);
        Wire.AssertWritesBack(response, Ctx.ApiResponseSendMessageData, json);
    }

    [Fact]
    public void History_response_section_7()
    {
        const string json = """
            {"code": 0, "msg": "ok", "data": {"messages": [
              {"message_id": "msg-1", "role": "user", "sender_id": "u_abc123", "msg_type": "text",
               "content": "hello", "create_time": 1750240805000},
              {"message_id": "msg-2", "role": "assistant", "sender_id": "cli_a1b2c3", "msg_type": "stream_full",
               "content": "Hi! How can I help?", "create_time": 1750240806000}],
              "has_more": false}}
            """;

        ApiResponse<HistoryData> response = Wire.Read(json, Ctx.ApiResponseHistoryData);

        Assert.Equal(0, response.Code);
        Assert.Equal("ok", response.Msg);
        Assert.NotNull(response.Data);
        Assert.False(response.Data.HasMore);
        Assert.Equal(2, response.Data.Messages.Count);

        HistoryMessage first = response.Data.Messages[0];
        Assert.Equal("msg-1", first.MessageId);
        Assert.Equal(WireNames.Roles.User, first.Role);
        Assert.Equal("u_abc123", first.SenderId);
        Assert.Equal(WireNames.MsgTypes.Text, first.MsgType);
        Assert.Equal("hello", first.Content);
        Assert.Equal(1750240805000L, first.CreateTime);

        HistoryMessage second = response.Data.Messages[1];
        Assert.Equal("msg-2", second.MessageId);
        Assert.Equal(WireNames.Roles.Assistant, second.Role);
        Assert.Equal("cli_a1b2c3", second.SenderId);
        Assert.Equal(WireNames.MsgTypes.StreamFull, second.MsgType);
        Assert.Equal("Hi! How can I help?", second.Content);
        Assert.Equal(1750240806000L, second.CreateTime);

        Wire.AssertWritesBack(response, Ctx.ApiResponseHistoryData, json);
    }

    [Fact]
    public void History_response_with_more_and_no_messages()
    {
        const string json = """{"code": 0, "msg": "ok", "data": {"messages": [], "has_more": true}}""";

        ApiResponse<HistoryData> response = Wire.Read(json, Ctx.ApiResponseHistoryData);

        Assert.NotNull(response.Data);
        Assert.Empty(response.Data.Messages);
        Assert.True(response.Data.HasMore);
        Wire.AssertWritesBack(response, Ctx.ApiResponseHistoryData, json);
    }
}
