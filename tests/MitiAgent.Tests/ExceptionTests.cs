namespace MitiAgent.Tests;

public class ExceptionTests
{
    [Fact]
    public void All_derive_from_MitiException_and_carry_their_data()
    {
        var auth = new MitiAuthException(10001, "invalid app_id");
        Assert.IsAssignableFrom<MitiException>(auth);
        Assert.Equal(10001, auth.Code);
        Assert.Equal("invalid app_id", auth.Msg);
        Assert.Equal("Miti authentication failed: code=10001 msg=invalid app_id", auth.Message);

        var api = new MitiApiException(10012, "no permission", 200);
        Assert.Equal(10012, api.Code);
        Assert.Equal("no permission", api.Msg);
        Assert.Equal(200, api.HttpStatus);
        Assert.Contains("code=10012 msg=no permission", api.Message, StringComparison.Ordinal);
        Assert.Null(new MitiApiException(10003, "bad").HttpStatus);

        var limited = new MitiRateLimitedException(TimeSpan.FromSeconds(2));
        Assert.IsAssignableFrom<MitiApiException>(limited);
        Assert.Equal(TimeSpan.FromSeconds(2), limited.RetryAfter);
        Assert.Equal(10029, limited.Code);
        Assert.Equal(429, limited.HttpStatus);
        Assert.Contains("retry after 2s", limited.Message, StringComparison.Ordinal);
        Assert.Null(new MitiRateLimitedException(null).RetryAfter);

        var timeout = new MitiTimeoutException("aevt-9", 5);
        Assert.IsAssignableFrom<MitiException>(timeout);
        Assert.Equal("aevt-9", timeout.EventId);
        Assert.Equal(5, timeout.Attempts);
        Assert.Contains("aevt-9", timeout.Message, StringComparison.Ordinal);

        var inner = new InvalidOperationException("x");
        Assert.Same(inner, new MitiConfigurationException("m", inner).InnerException);
        Assert.Same(inner, new MitiAuthException(10004, "app disabled", inner).InnerException);
        Assert.IsAssignableFrom<MitiException>(new MitiConfigurationException("m"));
    }

    [Fact]
    public void Sealed_where_nothing_derives()
    {
        Assert.True(typeof(MitiConfigurationException).IsSealed);
        Assert.True(typeof(MitiAuthException).IsSealed);
        Assert.True(typeof(MitiRateLimitedException).IsSealed);
        Assert.True(typeof(MitiTimeoutException).IsSealed);
    }
}
