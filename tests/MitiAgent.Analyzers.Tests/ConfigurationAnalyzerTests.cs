using Verifier = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.ConfigurationAnalyzer>;
using FixVerifier = MitiAgent.Analyzers.Tests.Verify<MitiAgent.Analyzers.ConfigurationAnalyzer, MitiAgent.Generators.CodeFixes.InsecureBaseUrlCodeFixProvider>;

namespace MitiAgent.Analyzers.Tests;

public sealed class ConfigurationAnalyzerTests
{
    private const string Usings = "using System;\nusing MitiAgent;\n";

    [Fact]
    public Task MITI0001_HttpBaseUrlInObjectInitializer_IsReported() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
            static MitiAgentClient Create() => new MitiAgentClient(new MitiAgentOptions { AppId = "cli_1", BaseUrl = {|MITI0001:"http://example.com/chat"|} });
        }
        """);

    [Fact]
    public Task MITI0001_HttpBaseUrlAssignmentAndConstant_AreReported() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
            const string Url = "http://10.0.0.5:8080";

            static void Configure(MitiAgentOptions options)
            {
                options.BaseUrl = {|MITI0001:"HTTP://miti.example/chat"|};
                options.BaseUrl = {|MITI0001:Url|};
            }
        }
        """);

    [Fact]
    public Task MITI0001_EnvironmentVariable_IsReported() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
            static void Configure()
            {
                Environment.SetEnvironmentVariable("MITI_API_BASE_URL", {|MITI0001:"http://example.com"|});
                Environment.SetEnvironmentVariable("OTHER_URL", "http://example.com");
            }
        }
        """);

    [Fact]
    public Task MITI0001_HttpsAndLoopbackHosts_AreNotReported() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
            static void Configure(MitiAgentOptions options)
            {
                options.BaseUrl = "https://www.miti.chat/chat";
                options.BaseUrl = "http://localhost:10006/chat";
                options.BaseUrl = "http://127.0.0.1";
                options.BaseUrl = "http://127.8.9.10:81/x";
                options.BaseUrl = "http://[::1]:10006";
                options.BaseUrl = "not a url";
                Environment.SetEnvironmentVariable("MITI_API_BASE_URL", "http://localhost:10006/chat");
            }
        }
        """);

    [Fact]
    public Task MITI0001_PragmaDisable_Suppresses() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
            static void Configure(MitiAgentOptions options)
            {
        #pragma warning disable MITI0001
                options.BaseUrl = "http://example.com/chat";
        #pragma warning restore MITI0001
            }
        }
        """);

    [Fact]
    public Task MITI0007_LiteralSecret_IsReported() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
            static MitiAgentOptions Create() => new MitiAgentOptions { AppId = "cli_1", AppSecret = {|MITI0007:"s3cr3t"|} };

            static void Set(MitiAgentOptions options) => options.AppSecret = {|MITI0007:@"verbatim-secret"|};
        }
        """);

    [Fact]
    public Task MITI0007_SecretFromConfiguration_IsNotReported() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
            static MitiAgentOptions Create() => new MitiAgentOptions
            {
                AppId = "cli_1",
                AppSecret = Environment.GetEnvironmentVariable("MITI_APP_SECRET"),
            };

            static void Clear(MitiAgentOptions options) => options.AppSecret = "";
        }
        """);

    [Fact]
    public Task MITI0007_PragmaDisable_Suppresses() => Verifier.AnalyzerAsync(Usings + """
        class Program
        {
        #pragma warning disable MITI0007
            static MitiAgentOptions Create() => new MitiAgentOptions { AppSecret = "s3cr3t" };
        #pragma warning restore MITI0007
        }
        """);

    [Fact]
    public Task MITI0001_Fix_ReplacesScheme() => FixVerifier.CodeFixAsync(
        Usings + """
        class Program
        {
            static void Configure(MitiAgentOptions options)
            {
                options.BaseUrl = {|MITI0001:"http://example.com/chat"|};
            }
        }
        """,
        Usings + """
        class Program
        {
            static void Configure(MitiAgentOptions options)
            {
                options.BaseUrl = "https://example.com/chat";
            }
        }
        """,
        "MITI0001_UseHttps");

    [Fact]
    public Task MITI0001_FixAll_ReplacesEveryInstance() => FixVerifier.CodeFixAsync(
        Usings + """
        class Program
        {
            static MitiAgentOptions Create() => new MitiAgentOptions { BaseUrl = {|MITI0001:@"http://a.example/chat"|} };

            static void Configure() => Environment.SetEnvironmentVariable("MITI_API_BASE_URL", {|MITI0001:"http://b.example"|});
        }
        """,
        Usings + """
        class Program
        {
            static MitiAgentOptions Create() => new MitiAgentOptions { BaseUrl = @"https://a.example/chat" };

            static void Configure() => Environment.SetEnvironmentVariable("MITI_API_BASE_URL", "https://b.example");
        }
        """,
        "MITI0001_UseHttps");
}
