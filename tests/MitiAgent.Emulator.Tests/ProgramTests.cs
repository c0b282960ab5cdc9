using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace MitiAgent.Emulator.Tests;

/// <summary>The emulator program (what <c>dotnet run --project src/MitiAgent.Emulator</c> starts), as a real process.</summary>
public sealed class ProgramTests
{
    [Fact]
    public async Task Program_prints_its_address_and_demo_credentials_serves_tokens_and_stops_on_sigint()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "MitiAgent.Emulator.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { dll, "--urls", "http://127.0.0.1:0", "--app-id", "cli_prog", "--app-secret", "prog_secret" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        try
        {
            string? baseUrl = null;
            var lines = new List<string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (baseUrl is null)
            {
                string line = await process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("exited early: " + string.Join('\n', lines));
                lines.Add(line);
                const string marker = "Miti emulator listening on ";
                if (line.StartsWith(marker, StringComparison.Ordinal))
                {
                    baseUrl = line[marker.Length..].Trim();
                }
            }

            Assert.Matches("^http://127.0.0.1:[0-9]+/chat$", baseUrl);
            for (int i = 0; i < 4; i++)
            {
                lines.Add(await process.StandardOutput.ReadLineAsync(cts.Token) ?? string.Empty);
            }

            Assert.Contains(lines, l => l.Contains("app_id=cli_prog app_secret=prog_secret", StringComparison.Ordinal));
            Assert.Single(lines, l => l.Contains("listening on", StringComparison.Ordinal)); // printed once, not logged as well
            string chatPage = lines.Single(l => l.Contains("chat page:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
            Assert.Equal(baseUrl[..^"chat".Length], chatPage);

            using var http = new HttpClient();
            using var response = await http.PostAsJsonAsync(baseUrl + "/agent/v1/auth/token", new Dictionary<string, string> { ["app_id"] = "cli_prog", ["app_secret"] = "prog_secret" }, cts.Token);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token)).RootElement;
            Assert.Equal(0, body.GetProperty("code").GetInt32());
            Assert.Contains("<title>Miti emulator · chat</title>", await http.GetStringAsync(chatPage, cts.Token), StringComparison.Ordinal);

            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(cts.Token);
            }

            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Program_rejects_unknown_arguments_with_usage()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MitiAgent.Emulator.dll"));
        psi.ArgumentList.Add("--bogus");
        using var process = Process.Start(psi)!;
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--bogus", error, StringComparison.Ordinal);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
    }
}
