using System.Globalization;
using MitiAgent.Generators.Tests.Infrastructure;

namespace MitiAgent.Generators.Tests;

/// <summary>The same sources give the same bytes, whatever the file order or the current culture.</summary>
public sealed class DeterminismTests
{
    private const string First = """
        using System.Threading;
        using System.Threading.Tasks;
        using MitiAgent;

        namespace Determinism;

        internal partial class Agent
        {
            [OnMessage(MsgType = "image")]
            private Task Image(MessageEvent e) => Task.CompletedTask;

            [OnMessage]
            private Task Text(MessageEvent e, CancellationToken ct) => Task.CompletedTask;

            [OnGroupAt(MsgType = "ıIiİ")]
            private Task Dotted(GroupAtEvent e) => Task.CompletedTask;
        }

        internal partial class Zeta
        {
            [OnCancel]
            private void Cancel(CancelEvent e) { }
        }
        """;

    private const string Second = """
        using System.Threading.Tasks;
        using MitiAgent;

        namespace Determinism;

        internal partial class Agent
        {
            [OnMessage(MsgType = "at_text")]
            private Task AtText(MessageEvent e) => Task.CompletedTask;

            [OnCancel]
            private ValueTask Cancel(CancelEvent e) => default;
        }

        internal partial class Alpha<T1, T2>
        {
            [OnOverload]
            private Task Busy(MessageEvent e) => Task.CompletedTask;
        }
        """;

    [Fact]
    public void File_order_does_not_change_the_output()
    {
        var forward = Generate([First, Second]);
        var backward = Generate([Second, First]);

        Assert.Equal(3, forward.Count);
        Assert.Equal(forward, backward);
    }

    [Theory]
    [InlineData("fi-FI")]
    [InlineData("tr-TR")]
    public void Culture_does_not_change_the_output(string cultureName)
    {
        var invariant = Generate([First, Second]);
        CultureInfo culture = CultureInfo.CurrentCulture;
        CultureInfo uiCulture = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(cultureName);
            Assert.Equal(cultureName, CultureInfo.CurrentCulture.Name);
            var localized = Generate([First, Second]);
            Assert.Equal(invariant, localized);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
        }
    }

    private static List<(string HintName, string Bytes)> Generate(string[] sources)
    {
        var (driver, _, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources));
        return GeneratorHarness.Generated(driver)
            .Select(s => (s.HintName, Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(s.SourceText.ToString()))))
            .ToList();
    }
}
