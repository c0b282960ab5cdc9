using System.Text.Json;

namespace MitiAgent.Protocol.Tests;

/// <summary>The token and the app secret never appear in <c>ToString()</c> (spec §3).</summary>
public class SecretTests
{
    private const string Secret = "secret_Zq8uW1xT0pLm";
    private const string Token = "t-9f3Kd02hXq71LmN";

    [Fact]
    public void TokenRequest_ToString_hides_the_secret()
    {
        string text = new TokenRequest { AppId = "cli_a1b2c3", AppSecret = Secret }.ToString();

        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Zq8uW1", text, StringComparison.Ordinal);
        Assert.Contains("cli_a1b2c3", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenData_ToString_hides_the_token()
    {
        string text = new TokenData { AccessToken = Token, ExpiresIn = 7200 }.ToString();

        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain("9f3Kd0", text, StringComparison.Ordinal);
        Assert.Contains("7200", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialized_TokenResponse_ToString_hides_the_token()
    {
        string json = $$$"""{"code": 0, "msg": "ok", "data": {"access_token": "{{{Token}}}", "expires_in": 7200}}""";
        ApiResponse<TokenData>? response = JsonSerializer.Deserialize(json, MitiJsonContext.Default.ApiResponseTokenData);

        Assert.NotNull(response);
        Assert.Equal(Token, response.Data?.AccessToken);
        Assert.DoesNotContain(Token, response.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, response.Data?.ToString() ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialized_TokenRequest_ToString_hides_the_secret()
    {
        string json = $$"""{"app_id": "cli_a1b2c3", "app_secret": "{{Secret}}"}""";
        TokenRequest? request = JsonSerializer.Deserialize(json, MitiJsonContext.Default.TokenRequest);

        Assert.NotNull(request);
        Assert.Equal(Secret, request.AppSecret);
        Assert.DoesNotContain(Secret, request.ToString(), StringComparison.Ordinal);
    }
}
