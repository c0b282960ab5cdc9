namespace MitiAgent;

/// <summary>
/// The SDK is configured wrongly (missing credentials, an out-of-range option, an insecure or malformed
/// base URL). Raised before any connection is made.
/// </summary>
public sealed class MitiConfigurationException : MitiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which setting is wrong and the rule it breaks (never the setting's secret value).</param>
    public MitiConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">Which setting is wrong and the rule it breaks (never the setting's secret value).</param>
    /// <param name="innerException">The cause.</param>
    public MitiConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
