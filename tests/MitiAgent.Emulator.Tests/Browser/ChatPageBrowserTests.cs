using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace MitiAgent.Emulator.Tests.Browser;

/// <summary>One headless Chromium for the browser tests of a class (each test has its own emulator and agent, so its own origin).</summary>
public sealed class ChromiumFixture : IDisposable
{
    private readonly Lazy<ChromeDriver> _driver = new(SystemChromium.Start);

    internal ChromeDriver Driver => _driver.Value;

    public void Dispose()
    {
        if (_driver.IsValueCreated)
        {
            _driver.Value.Quit();
            _driver.Value.Dispose();
        }
    }
}

/// <summary>The chat page in a real browser (system Chromium through Selenium) against the emulator and a real SDK agent.</summary>
public sealed class ChatPageBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [BrowserFact]
    public async Task A_direct_message_gets_the_echo_live_and_the_conversation_survives_a_reload()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);

        Send(page, "hello 你好");

        Until(() => AssistantTexts(page).Contains("收到:hello 你好"), "the echo in the page");
        Assert.Contains("hello 你好", UserTexts(page));
        var injected = Assert.Single(session.Emulator.InjectedEvents);
        Assert.Equal("im.message.receive", injected.EventType);
        Until(() => page.FindElement(By.CssSelector("#events tr td.ack-acked")).Displayed, "the event acked in the side panel");

        page.Navigate().Refresh();
        Until(() => AssistantTexts(page).Contains("收到:hello 你好") && UserTexts(page).Contains("hello 你好"), "the history after a reload");
    }

    [BrowserFact]
    public async Task A_group_at_mention_reaches_the_agent_as_group_at_and_its_reply_shows_in_the_group()
    {
        await using var session = await ChatSession.StartAsync();
        session.Emulator.RegisterGroup("sg_team", "Team", ["u_you"], [ChatSession.AppId]);
        var page = Open(session);

        Until(() => page.FindElements(By.CssSelector("#target-select option[value='group:sg_team']")).Count == 1, "the group in the list");
        page.FindElement(By.CssSelector("#target-select option[value='group:sg_team']")).Click();
        Until(() => page.FindElement(By.Id("input")).GetAttribute("value") == "@ChatBot ", "the mention prefilled");
        Send(page, "what's new?", clear: false);

        Until(() => AssistantTexts(page).Contains("收到:what's new?"), "the group reply in the page");
        var injected = Assert.Single(session.Emulator.InjectedEvents);
        Assert.Equal("im.message.group_at", injected.EventType);
        Assert.Equal("conv-sg_team", injected.ConversationId);
        Assert.Equal("sg_team", Assert.Single(session.Emulator.SentMessages).ToGroupId);
    }

    [BrowserFact]
    public async Task Another_user_and_a_new_group_are_added_from_the_page_and_chat_as_that_user()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);

        page.FindElement(By.Id("new-user")).Click();
        Answer(page, "u_zhang");
        Answer(page, "张三");
        Until(() => (string?)page.ExecuteScript("return document.getElementById('user-select').value;") == "u_zhang", "the new user selected");
        Send(page, "我是张三");
        Until(() => AssistantTexts(page).Contains("收到:我是张三"), "the echo to the new user");
        var dm = Assert.Single(session.Emulator.InjectedEvents);
        Assert.Equal("conv-u_zhang", dm.ConversationId);
        Until(() => UserTexts(page).Count == 1 && page.FindElement(By.CssSelector(".msg.user .sender")).Text == "张三", "the user's name on the message");

        page.FindElement(By.Id("new-group")).Click();
        Answer(page, "sg_new");
        Until(() => (string?)page.ExecuteScript("return document.getElementById('target-select').value;") == "group:sg_new", "the new group selected");
        Until(() => AssistantTexts(page).Count == 0, "the group's empty conversation");
        Send(page, "hi all"); // no @mention: not sent, the page explains
        Until(() => page.FindElement(By.Id("notice")).Text.Contains("@ChatBot", StringComparison.Ordinal), "the hint to mention the agent");
        Assert.Single(session.Emulator.InjectedEvents);
        page.FindElement(By.Id("input")).Clear();
        Send(page, "@ChatBot hi all");
        Until(() => AssistantTexts(page).Contains("收到:hi all"), "the group reply");
        Assert.Equal("conv-sg_new", session.Emulator.InjectedEvents[^1].ConversationId);
    }

    [BrowserFact]
    public async Task A_streamed_answer_grows_in_the_page_and_Stop_cancels_the_run_in_the_agent()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);

        Send(page, "stream a long answer");

        Until(() => StreamingText(page).Length > 0, "the streamed answer to start");
        string early = StreamingText(page);
        Until(() => StreamingText(page).Length > early.Length + 10, "the streamed answer to grow");
        Assert.True(page.FindElement(By.Id("typing")).Displayed);
        Assert.Contains("ChatBot is answering", page.FindElement(By.Id("typing-text")).Text, StringComparison.Ordinal);
        // The reasoning is there, collapsed (read in one script: the growing message is re-rendered meanwhile).
        Assert.Equal(false, page.ExecuteScript("return document.querySelector('.msg.assistant details.reasoning').open;"));

        page.FindElement(By.Id("stop-button")).Click();

        var cancel = await session.Agent.CancelSeen.Task.WaitAsync(Wait);
        int frames = await session.Agent.StreamStopped.Task.WaitAsync(Wait);
        Assert.True(frames > 1);
        Assert.Equal(session.Emulator.InjectedEvents[0].RunId, cancel.RunId);
        Until(() => page.FindElements(By.CssSelector(".msg.assistant[data-state='cancelled']")).Count == 1, "the answer marked cancelled");
        Until(() => !page.FindElement(By.Id("typing")).Displayed, "the typing indicator to go away");
    }

    [BrowserFact]
    public async Task Script_image_and_javascript_link_in_an_answer_render_as_text_and_run_nothing()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);

        Send(page, "evil");

        Until(() => AssistantTexts(page).Any(t => t.Contains("<script>", StringComparison.Ordinal)), "the answer");
        string shown = AssistantTexts(page).Single();
        Assert.Contains("<script>window.__pwned = 'script'; alert(1)</script>", shown, StringComparison.Ordinal);
        Assert.Contains("<img src=x onerror=", shown, StringComparison.Ordinal);
        var body = page.FindElement(By.CssSelector(".msg.assistant .body"));
        Assert.Empty(body.FindElements(By.TagName("script")));
        Assert.Empty(body.FindElements(By.TagName("img")));
        var link = body.FindElement(By.TagName("a"));
        Assert.DoesNotContain("javascript", link.GetAttribute("href") ?? string.Empty, StringComparison.OrdinalIgnoreCase);
        Assert.Null(page.ExecuteScript("return window.__pwned === undefined ? null : window.__pwned;"));
        Assert.Throws<NoAlertPresentException>(() => page.SwitchTo().Alert());
    }

    [BrowserFact]
    public async Task A_failed_answer_is_marked_with_its_code()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);

        Send(page, "fail");

        Until(() => page.FindElements(By.CssSelector(".msg.assistant[data-state='failed'] .error")).Count == 1, "the failed answer");
        string error = page.FindElement(By.CssSelector(".msg.assistant .error")).Text;
        Assert.Contains("model_error", error, StringComparison.Ordinal);
        Assert.Contains("the model timed out", error, StringComparison.Ordinal);
        Assert.Contains("Let me check", AssistantTexts(page).Single(), StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task Drop_connection_shows_the_connection_dropped_and_the_agent_reconnecting_on_a_new_one()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);
        string first = session.Emulator.GetConnections(ChatSession.AppId).Single().ConnId;
        Until(() => ConnectionIds(page).SequenceEqual([first]), "the connection in the side panel");
        var states = new List<MitiClientState>();
        session.Client.StateChanged += (_, e) => { lock (states) { states.Add(e.Current); } };

        page.FindElement(By.Id("fault-drop")).Click();

        Until(() => page.FindElements(By.CssSelector($"#closed-connections li[data-conn='{first}']")).Count == 1, "the dropped connection listed");
        Until(() => ConnectionIds(page).Count == 1 && ConnectionIds(page)[0] != first, "the agent's new connection");
        Until(() => page.FindElement(By.Id("status")).Text.Contains("is connected", StringComparison.Ordinal), "the status back to connected");
        lock (states)
        {
            Assert.Contains(MitiClientState.Reconnecting, states);
        }

        // And the agent still answers, on its new connection.
        Send(page, "still there?");
        Until(() => AssistantTexts(page).Contains("收到:still there?"), "the echo after the reconnect");
    }

    [BrowserFact]
    public async Task Fault_buttons_duplicate_the_next_event_answer_the_next_send_429_and_revoke_the_token()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);
        Until(() => ConnectionIds(page).Count == 1, "the connection in the side panel");

        page.FindElement(By.Id("fault-duplicate")).Click();
        page.FindElement(By.Id("fault-429")).Click();
        Until(() => page.FindElements(By.CssSelector("#armed li")).Count == 2, "both faults armed in the side panel");
        Send(page, "once");
        Until(() => AssistantTexts(page).Contains("收到:once"), "the echo despite the 429");
        Assert.Single(AssistantTexts(page)); // the duplicate was deduplicated by the SDK
        Until(() => page.FindElement(By.CssSelector("#events tr")).Text.Contains("×2 writes", StringComparison.Ordinal), "the duplicate delivery in the events list");
        Assert.Contains(session.Emulator.Requests, r => r.StatusCode == 429 && r.Path == Protocol.WireNames.Paths.SendMessage);

        page.FindElement(By.Id("fault-silent")).Click();
        Until(() => page.FindElements(By.CssSelector("#connections li[data-silent='true']")).Count == 1, "the connection shown silent");

        string before = session.Emulator.GetConnections(ChatSession.AppId).Single().ConnId;
        page.FindElement(By.Id("fault-revoke")).Click();
        var closed = await session.Emulator.WaitForConnectionClosedAsync(c => c.ConnId == before, Wait);
        Assert.Equal(Protocol.WireNames.CloseCodes.TokenRevoked, closed.CloseCode);
        Until(() => page.FindElement(By.CssSelector("#closed-connections")).GetAttribute("textContent")!.Contains("closed 4001", StringComparison.Ordinal), "the 4001 close listed");
        Until(() => ConnectionIds(page).Count == 1 && ConnectionIds(page)[0] != before, "the agent back with a new token");
    }

    [BrowserFact]
    public async Task A_bilingual_conversation_with_long_lines_and_code_keeps_the_layout_and_is_screenshot()
    {
        await using var session = await ChatSession.StartAsync();
        var page = Open(session);

        Send(page, "你好!Can you hear me?");
        Until(() => AssistantTexts(page).Contains("收到:你好!Can you hear me?"), "the echo");
        Send(page, "story about a cat, please");
        Until(() => page.FindElements(By.CssSelector(".msg.assistant[data-state='completed'] pre")).Count == 1, "the story with its code block");
        Send(page, "fail");
        Until(() => page.FindElements(By.CssSelector(".msg.assistant[data-state='failed']")).Count == 1, "the failed answer");
        page.FindElement(By.CssSelector(".msg.assistant details.reasoning summary")).Click(); // the story's reasoning, opened
        Until(() => page.FindElements(By.CssSelector("#events tr td.ack-acked")).Count == 3, "the three events acked");

        string file = Path.Combine(Environment.GetEnvironmentVariable("MITI_SCREENSHOT_DIR") ?? AppContext.BaseDirectory, "web-chat.png");
        page.GetScreenshot().SaveAsFile(file);
        output.WriteLine("screenshot: " + file);
        Assert.True(new FileInfo(file).Length > 10_000);

        // Nothing overflows sideways: long words wrap, code blocks scroll inside their message.
        Send(page, "a_very_long_identifier_" + new string('x', 300) + " 和一段很长很长的中文" + new string('长', 120));
        Until(() => AssistantTexts(page).Count == 4, "the long echo");
        page.FindElement(By.CssSelector(".msg.assistant pre")).GetAttribute("textContent");
        Assert.Equal(true, page.ExecuteScript("return document.documentElement.scrollWidth <= window.innerWidth;"));
        Assert.Equal(true, page.ExecuteScript("const m = document.getElementById('messages'); return m.scrollWidth <= m.clientWidth;"));
        Assert.Equal(true, page.ExecuteScript(
            "const right = document.getElementById('messages').getBoundingClientRect().right;" +
            "return [...document.querySelectorAll('.msg')].every(e => e.getBoundingClientRect().right <= right);"));
    }

    private ChromeDriver Open(ChatSession session)
    {
        var driver = chromium.Driver;
        driver.Navigate().GoToUrl(session.Emulator.ChatPageUrl);
        Until(() => driver.FindElement(By.Id("live")).Text == "live", "the page's live updates");
        Until(() => ConnectionIds(driver).Count == 1, "the agent's connection in the side panel");
        return driver;
    }

    private static void Send(ChromeDriver page, string text, bool clear = true)
    {
        var input = page.FindElement(By.Id("input"));
        if (clear)
        {
            input.Clear();
        }

        input.SendKeys(text);
        input.SendKeys(Keys.Enter);
        Until(
            () => page.FindElement(By.Id("input")).GetAttribute("value") == string.Empty || page.FindElement(By.Id("notice")).Displayed,
            "the message to be sent (or a notice why not)");
    }

    /// <summary>Answers the page's prompt() dialog.</summary>
    private static void Answer(ChromeDriver page, string text)
    {
        IAlert? prompt = null;
        Until(() => (prompt = TryAlert(page)) is not null, "the prompt");
        prompt!.SendKeys(text);
        prompt.Accept();
    }

    private static IAlert? TryAlert(ChromeDriver page)
    {
        try
        {
            return page.SwitchTo().Alert();
        }
        catch (NoAlertPresentException)
        {
            return null;
        }
    }

    // Read in one script each: the page re-renders a message while it grows, so element references can go stale.
    private static List<string> AssistantTexts(ChromeDriver page) => Texts(page, ".msg.assistant .body", "textContent");

    private static List<string> UserTexts(ChromeDriver page) => Texts(page, ".msg.user .body", "textContent");

    private static string StreamingText(ChromeDriver page) => AssistantTexts(page).FirstOrDefault() ?? string.Empty;

    private static List<string> ConnectionIds(ChromeDriver page) =>
        ((IEnumerable<object>)page.ExecuteScript("return [...document.querySelectorAll('#connections li')].map(e => e.dataset.conn);")!)
            .Select(o => (string)o).ToList();

    private static List<string> Texts(ChromeDriver page, string selector, string property) =>
        ((IEnumerable<object>)page.ExecuteScript($"return [...document.querySelectorAll(\"{selector}\")].map(e => e.{property}.trim());")!)
            .Select(o => (string)o).ToList();

    /// <summary>Polls (every 50 ms, at most 20 s) until <paramref name="condition"/> holds.</summary>
    private static void Until(Func<bool> condition, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        Exception? last = null;
        while (TimeProvider.System.GetElapsedTime(started) < Wait)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is WebDriverException or InvalidOperationException)
            {
                last = ex; // e.g. an element replaced while it was read
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"The page did not show {what} within {Wait.TotalSeconds} s." + (last is null ? string.Empty : " Last error: " + last.Message));
    }
}
