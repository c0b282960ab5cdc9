using OpenQA.Selenium.Chrome;

namespace MitiAgent.Emulator.Tests.Browser;

/// <summary>
/// The system's Chromium and chromedriver (Debian: <c>apt-get install chromium chromium-driver</c>), driven by Selenium
/// with both paths given explicitly, so Selenium Manager never looks for or downloads a browser or driver.
/// Override the paths with <c>MITI_CHROMIUM</c> and <c>MITI_CHROMEDRIVER</c>.
/// </summary>
internal static class SystemChromium
{
    public static readonly string? BrowserPath = Find("MITI_CHROMIUM", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium");
    public static readonly string? DriverPath = Find("MITI_CHROMEDRIVER", "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    /// <summary>Why the browser tests cannot run here, or null when they can.</summary>
    public static string? Problem =>
        BrowserPath is null ? "Chromium is not installed (looked for /usr/bin/chromium; set MITI_CHROMIUM)"
        : DriverPath is null ? "chromedriver is not installed (looked for /usr/bin/chromedriver; set MITI_CHROMEDRIVER)"
        : null;

    /// <summary>In CI (CI=true) a missing browser fails the browser tests instead of skipping them.</summary>
    public static bool RequiredByCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static ChromeDriver Start()
    {
        if (Problem is { } problem)
        {
            throw new InvalidOperationException(problem + ". CI=true requires the browser tests to run: install chromium and chromium-driver (.ci/run does).");
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath)!);
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments(
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--lang=en-US",
            "--window-size=1280,900",
            "--force-device-scale-factor=1");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static string? Find(string variable, params string[] candidates) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured
            ? (File.Exists(configured) ? configured : null)
            : candidates.FirstOrDefault(File.Exists);
}

/// <summary>
/// A test that needs the system's Chromium: skipped with the reason when it is not installed, except under CI=true,
/// where it runs and fails with that reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (SystemChromium.Problem is { } problem && !SystemChromium.RequiredByCi)
        {
            Skip = $"Browser test skipped: {problem}. Install the Debian packages chromium and chromium-driver to run it (.ci/run installs them; with CI=true this test fails instead of skipping).";
        }
    }
}
