namespace MitiAgent;

/// <summary>
/// The base of every error the MitiAgent SDK raises on purpose. Messages never contain the app secret,
/// an access token or message content.
/// </summary>
public class MitiException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong (must not contain secrets).</param>
    public MitiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong (must not contain secrets).</param>
    /// <param name="innerException">The cause.</param>
    public MitiException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
