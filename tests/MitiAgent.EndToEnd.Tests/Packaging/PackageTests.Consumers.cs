using MitiAgent.Emulator;
using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Packaging;

/// <summary>
/// Throw-away projects that use the packed packages the way users do (PackageReference only, outside the
/// repository): the generator and analyzers from analyzers/dotnet/cs run in their builds, and the built programs talk
/// to a real emulator.
/// </summary>
public sealed partial class PackageTests
{
    private const string AppId = "cli_package_consumer";
    private const string AppSecret = "package-consumer-secret-0123456789";

    /// <summary>Compiles only when the generator implemented IMitiAgentHandler for ConsumerAgent; exits 0 after one reply.</summary>
    private const string ConsumerProgram = """
        using MitiAgent;

        IMitiAgentHandler handler = new ConsumerAgent();
        var options = new MitiAgentOptions
        {
            AppId = Environment.GetEnvironmentVariable("MITI_APP_ID"),
            AppSecret = Environment.GetEnvironmentVariable("MITI_APP_SECRET"),
        };
        await using var client = new MitiAgentClient(options);
        await client.StartAsync(handler);
        Console.WriteLine("consumer: started against " + client.BaseUrl);
        var text = await ConsumerAgent.FirstReply.Task.WaitAsync(TimeSpan.FromSeconds(90));
        await client.StopAsync();
        Console.WriteLine("consumer: replied to " + text);
        return 0;

        public partial class ConsumerAgent
        {
            public static readonly TaskCompletionSource<string> FirstReply = new(TaskCreationOptions.RunContinuationsAsynchronously);

            [OnMessage]
            async Task Echo(MessageEvent e, CancellationToken ct)
            {
                await e.ReplyAsync("consumer:" + e.Text, cancellationToken: ct);
                FirstReply.TrySetResult(e.Text ?? "");
            }
        }
        """;

    [Fact]
    public async Task Project_with_only_a_MitiAgent_reference_runs_its_generated_dispatch_against_the_emulator()
    {
        var (project, output) = await RunConsumerAgainstEmulatorAsync("OnlyMitiAgent", ["MitiAgent"], ConsumerProgram, async emulator =>
        {
            var run = emulator.InjectMessage(AppId, "u_package_user", "hello from a package");
            var reply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == run.MessageId, TimeSpan.FromSeconds(30));
            Assert.Equal("consumer:hello from a package", reply.Text);
            Assert.Equal("u_package_user", reply.ToUserId);
        });

        Assert.True(File.Exists(Path.Combine(project.OutputFolder("net10.0"), "MitiAgent.Protocol.dll")), "MitiAgent.Protocol.dll did not come with the package");
        Assert.Contains("consumer: replied to hello from a package", output, StringComparison.Ordinal);
    }

    /// <summary>An LLM agent that references only MitiAgent.AI: the generator comes through MitiAgent.Hosting → MitiAgent.</summary>
    private const string AIConsumerProgram = """
        using System.Runtime.CompilerServices;
        using Microsoft.Extensions.AI;
        using MitiAgent;
        using MitiAgent.AI;

        IMitiAgentHandler handler = new AIConsumerAgent(new EchoChatClient());
        var options = new MitiAgentOptions
        {
            AppId = Environment.GetEnvironmentVariable("MITI_APP_ID"),
            AppSecret = Environment.GetEnvironmentVariable("MITI_APP_SECRET"),
        };
        await using var client = new MitiAgentClient(options);
        await client.StartAsync(handler);
        Console.WriteLine("consumer: started");
        MitiStreamResult result = await AIConsumerAgent.Done.Task.WaitAsync(TimeSpan.FromSeconds(90));
        await client.StopAsync();
        Console.WriteLine("consumer: " + result.Outcome + " in " + result.Frames + " frames");
        return 0;

        public partial class AIConsumerAgent(IChatClient chatClient)
        {
            public static readonly TaskCompletionSource<MitiStreamResult> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);

            [OnMessage]
            async Task Answer(MessageEvent e, CancellationToken ct) =>
                Done.TrySetResult(await e.ReplyWithChatClientAsync(chatClient, cancellationToken: ct));
        }

        public sealed class EchoChatClient : IChatClient
        {
            public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
                GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

            public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
                IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent("echoing")]);
                yield return new ChatResponseUpdate(ChatRole.Assistant, "echo: ");
                yield return new ChatResponseUpdate(ChatRole.Assistant, messages.Last().Text);
            }

            public object? GetService(Type serviceType, object? serviceKey = null) => null;

            public void Dispose()
            {
            }
        }
        """;

    [Fact]
    public async Task Project_with_only_a_MitiAgent_AI_reference_answers_with_its_chat_client_against_the_emulator()
    {
        var (_, output) = await RunConsumerAgainstEmulatorAsync("OnlyMitiAgentAI", ["MitiAgent.AI"], AIConsumerProgram, async emulator =>
        {
            var run = emulator.InjectMessage(AppId, "u_package_user", "hello from a package");
            var final = await emulator.WaitForFinalAnswerAsync(run.RunId!, TimeSpan.FromSeconds(30));
            Assert.Equal("completed", final.State);
            Assert.Equal("echo: hello from a package", final.Answer);
            Assert.Equal("echoing", final.Reasoning);
        });

        Assert.Contains("consumer: Completed in ", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Builds <paramref name="program"/> as a net10.0 consumer of <paramref name="packages"/> (warning-free), runs it with
    /// the app's credentials against a fresh emulator, runs <paramref name="exercise"/> once it connected, and waits for
    /// the program to exit with 0. A timeout on the way carries the program's output.
    /// </summary>
    /// <returns>The consumer project and the program's output.</returns>
    private async Task<(ConsumerProject Project, string Output)> RunConsumerAgainstEmulatorAsync(
        string name, string[] packages, string program, Func<MitiEmulator, Task> exercise)
    {
        var project = ConsumerProject.Create(_packages, name, "net10.0", packages, program);
        var (exitCode, buildOutput) = await project.BuildAsync();
        Assert.True(exitCode == 0, "the consumer did not build warning-free:\n" + buildOutput);

        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, AppSecret));
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        using var agent = ExternalProcess.Start(
            "dotnet",
            [Path.Combine(project.OutputFolder("net10.0"), name + ".dll")],
            project.Directory,
            new Dictionary<string, string?>
            {
                ["MITI_APP_ID"] = AppId,
                ["MITI_APP_SECRET"] = AppSecret,
                ["MITI_API_BASE_URL"] = emulator.BaseUrl,
            });

        await WithOutputOnFailure(agent, emulator.WaitForConnectionAsync(c => c.AppId == AppId, TimeSpan.FromSeconds(60)));
        await WithOutputOnFailure(agent, exercise(emulator));
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, "the consumer failed:\n" + agent.Output);
        return (project, agent.Output);
    }

    /// <summary>The MitiAgent package's README sample, verbatim, builds on net8.0 against lib/net8.0.</summary>
    [Fact]
    public async Task Readme_sample_of_the_package_builds_on_net8_against_the_net8_runtime_assemblies()
    {
        var program = ReadmeSample("src/MitiAgent/PACKAGE.md");
        var project = ConsumerProject.Create(_packages, "ReadmeOnNet8", "net8.0", ["MitiAgent"], program);
        var (exitCode, buildOutput) = await project.BuildAsync();
        Assert.True(exitCode == 0, "the package README sample did not build warning-free on net8.0:\n" + buildOutput);

        foreach (var assembly in LibAssemblies)
        {
            var dll = await File.ReadAllBytesAsync(Path.Combine(project.OutputFolder("net8.0"), assembly + ".dll"));
            Assert.Equal(".NETCoreApp,Version=v8.0", TargetFrameworkOf(dll));
        }
    }

    [Fact]
    public async Task Analyzers_from_the_package_report_handler_mistakes_as_build_errors()
    {
        const string program = """
            using MitiAgent;

            Console.WriteLine(typeof(NotPartialAgent).Name + typeof(AsyncVoidAgent).Name);

            public class NotPartialAgent
            {
                [OnMessage]
                Task Echo(MessageEvent e, CancellationToken ct) => e.ReplyAsync(e.Text ?? "", cancellationToken: ct);
            }

            public partial class AsyncVoidAgent
            {
                [OnMessage]
                async void Echo(MessageEvent e) => await e.ReplyAsync(e.Text ?? "");
            }
            """;
        var project = ConsumerProject.Create(_packages, "HandlerMistakes", "net10.0", ["MitiAgent"], program);
        var (exitCode, buildOutput) = await project.BuildAsync();

        Assert.True(exitCode != 0, "the build should fail on MITI0002 and MITI0004:\n" + buildOutput);
        Assert.Contains("error MITI0002", buildOutput, StringComparison.Ordinal);
        Assert.Contains("error MITI0004", buildOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("error CS", buildOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// A user's test program with both packages: the emulator package's README sample, verbatim (an in-process
    /// emulator, a generated agent, an injected message, the reply printed).
    /// </summary>
    [Fact]
    public async Task Readme_sample_of_the_emulator_package_runs_an_agent_against_the_in_process_emulator()
    {
        var program = ReadmeSample("src/MitiAgent.Emulator/PACKAGE.md");
        var project = ConsumerProject.Create(_packages, "EmulatorUser", "net10.0", ["MitiAgent", "MitiAgent.Emulator"], program);
        var (exitCode, buildOutput) = await project.BuildAsync();
        Assert.True(exitCode == 0, "the emulator package README sample did not build warning-free:\n" + buildOutput);

        // The emulator package's frameworkReference puts ASP.NET Core into the user's runtimeconfig; the wire model
        // comes from the MitiAgent package.
        var output = project.OutputFolder("net10.0");
        Assert.Contains("\"Microsoft.AspNetCore.App\"", await File.ReadAllTextAsync(Path.Combine(output, "EmulatorUser.runtimeconfig.json")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "MitiAgent.Protocol.dll")), "MitiAgent.Protocol.dll did not come with the MitiAgent package");

        var (runExit, runOutput) = await ExternalProcess.RunAsync(
            "dotnet", [Path.Combine(output, "EmulatorUser.dll")], TimeSpan.FromMinutes(2), project.Directory);
        Assert.True(runExit == 0, "the emulator package README sample failed:\n" + runOutput);
        Assert.Contains("echo: hello", runOutput.Split('\n').Select(l => l.Trim()));
    }

    /// <summary>The one C# code block of a package README.</summary>
    private static string ReadmeSample(string readme)
    {
        var text = File.ReadAllText(RepoPaths.Combine(readme)).ReplaceLineEndings("\n");
        var start = text.IndexOf("```csharp\n", StringComparison.Ordinal);
        Assert.True(start >= 0, readme + " has no C# sample");
        start += "```csharp\n".Length;
        var end = text.IndexOf("\n```", start, StringComparison.Ordinal);
        Assert.DoesNotContain("```csharp", text[end..], StringComparison.Ordinal);
        return text[start..end] + "\n";
    }

    /// <summary>Awaits <paramref name="task"/>; when it times out, the child process's output goes into the failure.</summary>
    private static async Task WithOutputOnFailure(ExternalProcess process, Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            throw new TimeoutException($"{ex.Message} Output of the agent process:\n{process.Output}", ex);
        }
    }
}
