using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace MitiAgent.Hosting.Internal;

/// <summary>
/// Reads <see cref="MitiAgentOptions"/> from a configuration section and validates the result at startup. The values are
/// bound by the configuration binder's source generator (no reflection, so it is trim and AOT safe), after a check of the
/// raw numbers and time spans: a value that does not parse does not throw while the options are being built; it is left
/// out of the binding, remembered, and reported by <see cref="Validate"/>, together with the rules of
/// <see cref="MitiAgentOptions.Validate"/>, as one <see cref="OptionsValidationException"/> that names every bad key.
/// Only the settings in <see cref="Settings"/> are read: <see cref="MitiAgentOptions.RegisterSignals"/> and
/// <see cref="MitiAgentOptions.LogToStandardErrorWithoutLoggerFactory"/> belong to the host, not to configuration.
/// </summary>
internal sealed class MitiOptionsSetup : IConfigureOptions<MitiAgentOptions>, IValidateOptions<MitiAgentOptions>
{
    /// <summary>How a raw value is checked before it is bound.</summary>
    private enum ValueKind
    {
        Text,
        WholeNumber,
        TimeSpan,
    }

    /// <summary>The settings read from the section (keys are case-insensitive, as configuration keys are).</summary>
    private static readonly (string Key, ValueKind Kind)[] Settings =
    [
        (nameof(MitiAgentOptions.AppId), ValueKind.Text),
        (nameof(MitiAgentOptions.AppSecret), ValueKind.Text),
        (nameof(MitiAgentOptions.BaseUrl), ValueKind.Text),
        (nameof(MitiAgentOptions.MaxConcurrency), ValueKind.WholeNumber),
        (nameof(MitiAgentOptions.HandlerQueueCapacity), ValueKind.WholeNumber),
        (nameof(MitiAgentOptions.OverloadConcurrency), ValueKind.WholeNumber),
        (nameof(MitiAgentOptions.CancelQueueCapacity), ValueKind.WholeNumber),
        (nameof(MitiAgentOptions.ShutdownTimeout), ValueKind.TimeSpan),
        (nameof(MitiAgentOptions.SeenEventCapacity), ValueKind.WholeNumber),
        (nameof(MitiAgentOptions.SeenEventTtl), ValueKind.TimeSpan),
        (nameof(MitiAgentOptions.MaxSendRetries), ValueKind.WholeNumber),
        (nameof(MitiAgentOptions.ConnectTimeout), ValueKind.TimeSpan),
        (nameof(MitiAgentOptions.StartupTimeout), ValueKind.TimeSpan),
        (nameof(MitiAgentOptions.StreamDeltaInterval), ValueKind.TimeSpan),
        (nameof(MitiAgentOptions.MaxInboundFrameBytes), ValueKind.WholeNumber),
    ];

    private const int MaxEchoedValueLength = 40;
    private readonly IConfiguration? _configuration;
    private readonly string? _sectionPath;
    private readonly ConditionalWeakTable<MitiAgentOptions, List<string>> _readErrors = new();

    public MitiOptionsSetup(IConfiguration? configuration, string? sectionPath)
    {
        _configuration = configuration;
        _sectionPath = string.IsNullOrWhiteSpace(sectionPath) ? null : sectionPath;
    }

    /// <summary>Whether a configuration section is read at all.</summary>
    private bool ReadsConfiguration => _configuration is not null && _sectionPath is not null;

    public void Configure(MitiAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!ReadsConfiguration)
        {
            return;
        }

        var section = _configuration!.GetSection(_sectionPath!);
        var errors = new List<string>();
        var accepted = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, kind) in Settings)
        {
            if (section[key] is not { } text || (kind != ValueKind.Text && string.IsNullOrWhiteSpace(text)))
            {
                continue; // unset; an empty number or time span counts as unset too
            }

            string? error = kind switch
            {
                ValueKind.WholeNumber => CheckWholeNumber(key, text),
                ValueKind.TimeSpan => CheckTimeSpan(key, text),
                _ => null,
            };
            if (error is null)
            {
                accepted[key] = text;
            }
            else
            {
                errors.Add(error);
            }
        }

        // The binder's generator describes every property of MitiAgentOptions; EventDeduplicationStore (an interface,
        // set in code: UseRedisDeduplication) cannot come from configuration and is never among the accepted keys, so
        // its SYSLIB1100/SYSLIB1101 are silenced in the project file.
        new ConfigurationBuilder().AddInMemoryCollection(accepted).Build().Bind(options);
        if (errors.Count > 0)
        {
            _readErrors.AddOrUpdate(options, errors);
        }
    }

    public ValidateOptionsResult Validate(string? name, MitiAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(name ?? Options.DefaultName, Options.DefaultName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip; // the hosted agent uses the unnamed options only
        }

        var failures = new List<string>();
        if (_readErrors.TryGetValue(options, out var readErrors))
        {
            failures.AddRange(readErrors);
        }

        try
        {
            options.Validate();
            if (string.IsNullOrWhiteSpace(options.BaseUrl))
            {
                // No base URL configured: the client falls back to MITI_API_BASE_URL, so check that one now too.
                MitiEndpoints.Resolve(options.BaseUrl);
            }
        }
        catch (MitiConfigurationException ex)
        {
            failures.Add(WithConfigurationHint(ex.Message));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Keys under the section that are not settings of <see cref="MitiAgentOptions"/> (probably typos).</summary>
    public IReadOnlyList<string> UnknownKeys()
    {
        if (!ReadsConfiguration)
        {
            return [];
        }

        var unknown = new List<string>();
        foreach (var child in _configuration!.GetSection(_sectionPath!).GetChildren())
        {
            if (!Array.Exists(Settings, s => string.Equals(s.Key, child.Key, StringComparison.OrdinalIgnoreCase)))
            {
                unknown.Add(child.Path);
            }
        }

        return unknown;
    }

    /// <summary>The configuration key of a setting, e.g. <c>Miti:AppSecret</c>.</summary>
    private string KeyPath(string key) => _sectionPath + ConfigurationPath.KeyDelimiter + key;

    /// <summary>
    /// Adds where to set the value to a message of <see cref="MitiAgentOptions.Validate"/> or <see cref="MitiEndpoints.Resolve"/>,
    /// which name the setting as <c>MitiAgentOptions.Name</c> (and never show a secret).
    /// </summary>
    private string WithConfigurationHint(string message)
    {
        if (!ReadsConfiguration)
        {
            return message;
        }

        foreach (var (key, _) in Settings)
        {
            if (NamesSetting(message, "MitiAgentOptions." + key))
            {
                string environmentVariable = KeyPath(key).Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal);
                return $"{message} Set the configuration key '{KeyPath(key)}' (e.g. the environment variable {environmentVariable}) or set it in code.";
            }
        }

        return message;
    }

    /// <summary>Whether <paramref name="message"/> contains <paramref name="setting"/> as a whole name (not a prefix of a longer one).</summary>
    private static bool NamesSetting(string message, string setting)
    {
        int at = message.IndexOf(setting, StringComparison.Ordinal);
        while (at >= 0)
        {
            int end = at + setting.Length;
            if (end == message.Length || !char.IsLetterOrDigit(message[end]))
            {
                return true;
            }

            at = message.IndexOf(setting, end, StringComparison.Ordinal);
        }

        return false;
    }

    /// <summary>The error for a value that is not an invariant-culture whole number, or null when it is one.</summary>
    private string? CheckWholeNumber(string key, string text) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            ? null
            : $"The configuration key '{KeyPath(key)}' must be a whole number (was '{Echo(text)}').";

    /// <summary>The error for a value that is not a time span with a colon, or null when it is one.</summary>
    private string? CheckTimeSpan(string key, string text)
    {
        string trimmed = text.Trim();
        if (!trimmed.Contains(':', StringComparison.Ordinal))
        {
            // TimeSpan.Parse("30") is 30 days (and the binder would accept it): almost always a mistake for 30 seconds.
            return $"The configuration key '{KeyPath(key)}' must be a time span written as [d.]hh:mm:ss[.fff], e.g. 00:00:30 for 30 seconds (was '{Echo(text)}'; a bare number would mean days).";
        }

        return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out _)
            ? null
            : $"The configuration key '{KeyPath(key)}' must be a time span written as [d.]hh:mm:ss[.fff], e.g. 00:00:30 for 30 seconds (was '{Echo(text)}').";
    }

    /// <summary>A bad value shown in an error (numbers and time spans only, never a credential), shortened.</summary>
    private static string Echo(string text) =>
        text.Length <= MaxEchoedValueLength ? text : string.Concat(text.AsSpan(0, MaxEchoedValueLength), "...");
}
