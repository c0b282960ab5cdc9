using System.Net;
using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

/// <summary>The chat page over plain HTTP: where it is served, its headers, its state and live updates, safe markdown.</summary>
public sealed class ChatPageTests
{
    [Fact]
    public async Task The_page_is_served_at_the_root_and_under_emulator_paths_from_embedded_files_with_a_strict_policy()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string root = h.Emulator.ChatPageUrl.TrimEnd('/');
        foreach (string url in new[] { root + "/", root + "/_emulator", root + "/_emulator/", h.BaseUrl + "/_emulator/" })
        {
            using var response = await h.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            string html = await response.Content.ReadAsStringAsync();
            Assert.Contains("<title>Miti emulator · chat</title>", html, StringComparison.Ordinal);
            string csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("http", html.Replace("http-equiv", "", StringComparison.Ordinal), StringComparison.Ordinal); // no CDN
        }

        using var js = await h.Http.GetAsync(root + "/_emulator/ui/files/chat.js");
        Assert.Equal("text/javascript; charset=utf-8", js.Content.Headers.ContentType?.ToString());
        using var css = await h.Http.GetAsync(root + "/_emulator/ui/files/chat.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        using var missing = await h.Http.GetAsync(root + "/_emulator/ui/files/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Page_requests_under_the_base_url_do_not_consume_injected_request_failures()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.Faults.FailNextRequests(1, 503);
        using var page = await h.Http.GetAsync(h.BaseUrl + "/_emulator/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var (status, _) = await h.RequestTokenAsync(EmulatorHarness.AppId, EmulatorHarness.AppSecret);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
    }

    [Fact]
    public async Task State_shows_the_conversation_runs_events_and_connections_without_secrets()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var gw = await h.ConnectAsync(token);
        var ask = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_li", "讲个故事", "小李");
        await gw.ReceiveAsync("event");

        var open = await State(h, "user_id=u_li");
        Assert.Equal("conv-u_li", open.GetProperty("conversation_id").GetString());
        Assert.Equal(ask.RunId, open.GetProperty("open_runs")[0].GetProperty("run_id").GetString());
        var evt = open.GetProperty("events")[0];
        Assert.Equal("waiting for ack", evt.GetProperty("ack").GetString());
        Assert.Equal(1, evt.GetProperty("attempts").GetInt32());
        Assert.Equal(gw.ConnId, open.GetProperty("apps")[0].GetProperty("connections")[0].GetProperty("conn_id").GetString());

        await gw.AckAsync(ask.EventId);
        await h.Emulator.WaitForEventAckAsync(ask.EventId);
        await gw.SendAsync($$"""{"type":"stream","event_id":"e1","run_id":"{{ask.RunId}}","seq":1,"state":"delta","delta":"从前","reasoning_delta":"想一想"}""");
        await gw.SendAsync($$$"""{"type":"stream","event_id":"e2","run_id":"{{{ask.RunId}}}","seq":2,"state":"failed","error":{"code":"model_error","msg":"模型超时"}}""");
        await h.Emulator.WaitForFinalAnswerAsync(ask.RunId!);

        var state = await State(h, "user_id=u_li");
        var messages = state.GetProperty("messages");
        Assert.Equal("小李", messages[0].GetProperty("sender_name").GetString());
        Assert.Equal("讲个故事", messages[0].GetProperty("text").GetString());
        var answer = messages[1];
        Assert.Equal("failed", answer.GetProperty("state").GetString());
        Assert.Equal("model_error", answer.GetProperty("error_code").GetString());
        Assert.Equal("从前", answer.GetProperty("text").GetString());
        Assert.Equal("<p>从前</p>\n", answer.GetProperty("html").GetString());
        Assert.Equal("想一想", answer.GetProperty("reasoning").GetString());
        Assert.Equal(0, state.GetProperty("open_runs").GetArrayLength());
        Assert.Equal("acked", state.GetProperty("events")[0].GetProperty("ack").GetString());

        string raw = await (await h.Http.GetAsync(h.Emulator.ControlUrl + "/ui/state?user_id=u_li")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(EmulatorHarness.AppSecret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(token, raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_updates_are_server_sent_events_that_follow_every_change()
    {
        await using var h = await EmulatorHarness.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await h.Http.GetAsync(h.Emulator.ControlUrl + "/ui/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));

        long first = await NextVersionAsync(reader, cts.Token);
        h.Emulator.RegisterUser("u_sse", "SSE");
        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_sse", "hi");
        long second = await NextVersionAsync(reader, cts.Token);
        Assert.True(second > first);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;")]
    [InlineData("[click](javascript:alert(1))", "<a href=\"#\">click</a>")]
    [InlineData("[click](JaVa&#9;ScRiPt:alert(1))", "<a href=\"#\">click</a>")]
    [InlineData("![x](javascript:alert(1))", "<img src=\"#\" alt=\"x\" />")]
    [InlineData("<javascript:alert(1)>", "<a href=\"#\">")]
    [InlineData("[a]: vbscript:msgbox\n\n[go][a]", "<a href=\"#\">go</a>")]
    [InlineData("[ok](https://miti.chat/a?b=1)", "<a href=\"https://miti.chat/a?b=1\">ok</a>")]
    [InlineData("**粗体** and `code`", "<strong>粗体</strong> and <code>code</code>")]
    public void Markdown_is_rendered_with_html_escaped_and_unsafe_urls_removed(string markdown, string expected)
    {
        string html = MarkdownRenderer.ToHtml(markdown);
        Assert.Contains(expected, html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<long> NextVersionAsync(StreamReader reader, CancellationToken ct)
    {
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return long.Parse(line["data: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new EndOfStreamException();
    }

    private static async Task<JsonElement> State(EmulatorHarness h, string query)
    {
        using var response = await h.Http.GetAsync(h.Emulator.ControlUrl + "/ui/state?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
