using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MitiAgent.Logging;

/// <summary>The three category loggers of one SDK instance.</summary>
internal sealed class MitiLoggers
{
    /// <summary>Loggers that write nothing.</summary>
    public static readonly MitiLoggers Null = new(NullLoggerFactory.Instance);

    public MitiLoggers(ILoggerFactory? loggerFactory)
    {
        ILoggerFactory factory = loggerFactory ?? NullLoggerFactory.Instance;
        Auth = factory.CreateLogger(MitiLogCategories.Auth);
        Gateway = factory.CreateLogger(MitiLogCategories.Gateway);
        Message = factory.CreateLogger(MitiLogCategories.Message);
    }

    /// <summary><see cref="MitiLogCategories.Auth"/>.</summary>
    public ILogger Auth { get; }

    /// <summary><see cref="MitiLogCategories.Gateway"/>.</summary>
    public ILogger Gateway { get; }

    /// <summary><see cref="MitiLogCategories.Message"/>.</summary>
    public ILogger Message { get; }
}
