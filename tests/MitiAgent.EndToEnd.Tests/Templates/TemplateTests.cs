using MitiAgent.Emulator;
using MitiAgent.EndToEnd.Tests.Packaging;
using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Templates;

/// <summary>
/// The <c>dotnet new</c> templates as a user gets them: installed from the packed MitiAgent.Templates package into a
/// temporary <c>DOTNET_CLI_HOME</c> (the machine's template cache is untouched), each created outside the repository
/// (the packaging fixture's consumer workspace, whose NuGet cache and package source serve the packed MitiAgent
/// packages of the same version) and built with warnings as errors. The console agent answers a message, the
/// generated tests pass.
/// </summary>
[Collection(ExternalBuildsCollection.Name)]
public sealed class TemplateTests(PackagesFixture packages) : IClassFixture<PackagesFixture>
{
    private const string ConsoleName = "TplAgent";
    private const string WorkerName = "TplWorker";
    private const string TestsName = "TplAgent.Tests";

    private static readonly SemaphoreSlim CreateGate = new(1, 1);
    private static bool s_created;

    [Fact]
    public async Task Console_agent_template_builds_warning_free_and_answers_on_the_embedded_and_on_an_external_emulator()
    {
        var project = await CreatedAsync(ConsoleName);
        await AssertBuildsAsync(project);
        string dll = Path.Combine(project.OutputFolder("net10.0"), ConsoleName + ".dll");

        // No credentials: the emulator inside the process, which the agent answers; Ctrl+C stops it with exit code 0.
        using (var agent = ExternalProcess.Start("dotnet", [dll], project.Directory, NoCredentials))
        {
            await agent.WaitForLineAsync("The agent answered the demo message: echo: hello", TimeSpan.FromSeconds(60));
            agent.Interrupt();
            Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, "the console agent did not stop cleanly:\n" + agent.Output);
            Assert.Contains("Stopped.", agent.Output, StringComparison.Ordinal);
        }

        // MITI_APP_ID / MITI_APP_SECRET / MITI_API_BASE_URL: the options fall back to them, the agent answers there.
        const string appId = "cli_template_agent";
        string secret = "template-" + Guid.NewGuid().ToString("N");
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(appId, secret));
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();
        using var external = ExternalProcess.Start("dotnet", [dll], project.Directory, new Dictionary<string, string?>
        {
            ["MITI_APP_ID"] = appId,
            ["MITI_APP_SECRET"] = secret,
            ["MITI_API_BASE_URL"] = emulator.BaseUrl,
        });
        await WithOutput(external, emulator.WaitForConnectionAsync(c => c.AppId == appId, TimeSpan.FromSeconds(60)));
        var message = emulator.InjectMessage(appId, "u_template_user", "hi from a template");
        var reply = await WithOutput(external, emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == message.MessageId, TimeSpan.FromSeconds(30)));
        Assert.Equal("echo: hi from a template", reply.Text);
        external.Interrupt();
        Assert.True(await external.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, "the console agent did not stop cleanly:\n" + external.Output);
        Assert.DoesNotContain(secret, external.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_template_builds_warning_free_with_hosting_health_check_and_opentelemetry()
    {
        var project = await CreatedAsync(WorkerName);
        var program = await File.ReadAllTextAsync(Path.Combine(project.Directory, "Program.cs"));
        Assert.Contains("AddMitiAgent<EchoAgent>()", program, StringComparison.Ordinal);
        Assert.Contains("AddHealthChecks().AddMitiAgent()", program, StringComparison.Ordinal);
        Assert.Contains("AddMeter(MitiTelemetry.MeterName)", program, StringComparison.Ordinal);
        Assert.Contains("\"Miti\"", await File.ReadAllTextAsync(Path.Combine(project.Directory, "appsettings.json")), StringComparison.Ordinal);

        await AssertBuildsAsync(project);
        Assert.True(File.Exists(Path.Combine(project.OutputFolder("net10.0"), "appsettings.json")), "appsettings.json is not copied to the output");
    }

    [Fact]
    public async Task Tests_template_builds_warning_free_and_its_tests_pass_against_the_emulator()
    {
        var project = await CreatedAsync(TestsName);
        await AssertBuildsAsync(project);

        var (exitCode, output) = await project.TestAsync();
        Assert.True(exitCode == 0, "the generated tests failed:\n" + output);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+3,", output);
    }

    /// <summary>No credentials at all (the test host may have some): the console agent's embedded-emulator mode.</summary>
    private static Dictionary<string, string?> NoCredentials => new()
    {
        ["MITI_APP_ID"] = null,
        ["MITI_APP_SECRET"] = null,
        ["MITI_API_BASE_URL"] = null,
    };

    /// <summary>
    /// Installs the templates and creates the three projects, once for the test run: <c>dotnet new install</c> of the
    /// packed nupkg, then <c>dotnet new &lt;template&gt;</c> for each, all with a temporary <c>DOTNET_CLI_HOME</c>.
    /// </summary>
    private async Task<ConsumerProject> CreatedAsync(string name)
    {
        await CreateGate.WaitAsync();
        try
        {
            if (!s_created)
            {
                string workspace = ConsumerProject.Workspace(packages);
                var environment = new Dictionary<string, string?>(packages.DotnetEnvironment(isolatedNuGetCache: true))
                {
                    ["DOTNET_CLI_HOME"] = Path.Combine(packages.Root, "cli-home"),
                };
                await DotnetNewAsync(environment, workspace, "install", packages.TemplatesPackage);
                foreach (var (template, project) in new[] { ("miti-agent", ConsoleName), ("miti-agent-worker", WorkerName), ("miti-agent-tests", TestsName) })
                {
                    await DotnetNewAsync(environment, workspace, template, "-n", project, "-o", Path.Combine(workspace, project), "--no-update-check");
                    string csproj = await File.ReadAllTextAsync(Path.Combine(workspace, project, project + ".csproj"));
                    Assert.Contains($"""<PackageReference Include="MitiAgent" Version="{packages.Version}" />""", csproj, StringComparison.Ordinal);
                }

                s_created = true;
            }
        }
        finally
        {
            CreateGate.Release();
        }

        return ConsumerProject.Existing(packages, name);
    }

    private static async Task DotnetNewAsync(IReadOnlyDictionary<string, string?> environment, string workspace, params string[] arguments)
    {
        var (exitCode, output) = await ExternalProcess.RunAsync("dotnet", ["new", .. arguments], TimeSpan.FromMinutes(2), workspace, environment);
        Assert.True(exitCode == 0, $"dotnet new {string.Join(' ', arguments)} exited with {exitCode}:\n{output}");
    }

    private static async Task AssertBuildsAsync(ConsumerProject project)
    {
        var (exitCode, output) = await project.BuildAsync();
        Assert.True(exitCode == 0, $"{project.Name} did not build warning-free:\n{output}");
        Assert.Matches(@"\b0 Warning\(s\)", output);
    }

    private static async Task<T> WithOutput<T>(ExternalProcess process, Task<T> task)
    {
        try
        {
            return await task;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            throw new TimeoutException($"{ex.Message} Output of the agent:\n{process.Output}", ex);
        }
    }
}
