using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MitiAgent;
using MitiAgent.Hosting;
using MitiAgent.Hosting.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a Miti agent to run in a .NET Generic Host (<c>Host.CreateApplicationBuilder</c>, ASP.NET Core, workers).</summary>
public static class MitiAgentServiceCollectionExtensions
{
    /// <summary>
    /// Runs <typeparamref name="TAgent"/> as the host's Miti agent, with the defaults of <see cref="MitiAgentHostingOptions"/>:
    /// a DI scope per event (<see cref="MitiAgentLifetime.Scoped"/>), options from the <c>Miti</c> configuration section,
    /// and a host start that waits for the connection.
    /// </summary>
    /// <typeparam name="TAgent">
    /// The agent: usually a <c>partial</c> class with <c>[OnMessage]</c>/<c>[OnGroupAt]</c>/<c>[OnCancel]</c>/<c>[OnOverload]</c>
    /// methods (the source generator implements <see cref="IMitiAgentHandler"/>); its constructor takes services from DI.
    /// If it is already registered, that registration is kept; otherwise it is added with the chosen lifetime.
    /// </typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options in code; runs after the configuration section is read, so it wins.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <remarks>
    /// Registers: <see cref="MitiAgentOptions"/> (read from configuration, then <paramref name="configure"/>, validated when
    /// the host starts — the start fails with an <see cref="OptionsValidationException"/> naming each bad key), a singleton
    /// <see cref="MitiAgentClient"/> (inject it to send messages or read history; it uses the <see cref="ILoggerFactory"/>,
    /// <see cref="TimeProvider"/> and <see cref="IMeterFactory"/> registered in DI, if any), the agent, and an
    /// <see cref="IHostedService"/> that starts and drains the client. One agent per service collection: a second call
    /// with another agent type throws; a second call with the same type only adds <paramref name="configure"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Another agent type (or other hosting options) was registered before.</exception>
    public static IServiceCollection AddMitiAgent<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAgent>(
        this IServiceCollection services,
        Action<MitiAgentOptions>? configure = null)
        where TAgent : class, IMitiAgentHandler =>
        services.AddMitiAgent<TAgent>(new MitiAgentHostingOptions(), configure);

    /// <summary>Runs <typeparamref name="TAgent"/> as the host's Miti agent with the given <paramref name="lifetime"/>.</summary>
    /// <typeparam name="TAgent">The agent (see <see cref="AddMitiAgent{TAgent}(IServiceCollection, Action{MitiAgentOptions}?)"/>).</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="lifetime">A DI scope per event (default elsewhere) or one instance for every event.</param>
    /// <param name="configure">Sets options in code; runs after the configuration section is read, so it wins.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another agent type (or other hosting options) was registered before.</exception>
    public static IServiceCollection AddMitiAgent<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAgent>(
        this IServiceCollection services,
        MitiAgentLifetime lifetime,
        Action<MitiAgentOptions>? configure = null)
        where TAgent : class, IMitiAgentHandler =>
        services.AddMitiAgent<TAgent>(new MitiAgentHostingOptions { Lifetime = lifetime }, configure);

    /// <summary>Runs <typeparamref name="TAgent"/> as the host's Miti agent with explicit hosting settings.</summary>
    /// <typeparam name="TAgent">The agent (see <see cref="AddMitiAgent{TAgent}(IServiceCollection, Action{MitiAgentOptions}?)"/>).</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="hosting">Lifetime, configuration section, start and fatal-error behaviour; copied, later changes are ignored.</param>
    /// <param name="configure">Sets options in code; runs after the configuration section is read, so it wins.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another agent type (or other hosting options) was registered before.</exception>
    public static IServiceCollection AddMitiAgent<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAgent>(
        this IServiceCollection services,
        MitiAgentHostingOptions hosting,
        Action<MitiAgentOptions>? configure = null)
        where TAgent : class, IMitiAgentHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(hosting);
        if (hosting.Lifetime is not (MitiAgentLifetime.Scoped or MitiAgentLifetime.Singleton))
        {
            throw new ArgumentOutOfRangeException(nameof(hosting), hosting.Lifetime, "Unknown MitiAgentLifetime.");
        }

        if (FindRegistration(services) is { } existing)
        {
            if (existing.AgentType != typeof(TAgent))
            {
                throw new InvalidOperationException(
                    $"AddMitiAgent<{typeof(TAgent).Name}>() was called after AddMitiAgent<{existing.AgentType.Name}>(), but a service collection hosts one Miti agent (one app id). "
                    + "Handle every event in one agent class, or run each agent in its own host.");
            }

            if (!existing.Hosting.SameAs(hosting))
            {
                throw new InvalidOperationException(
                    $"AddMitiAgent<{typeof(TAgent).Name}>() was called again with other hosting options ({hosting}) than the first time ({existing.Hosting}).");
            }

            if (configure is not null)
            {
                services.Configure(configure);
            }

            return services;
        }

        var settings = hosting.Clone();
        services.AddSingleton(new MitiAgentRegistration(typeof(TAgent), settings));
        services.AddSingleton(new MitiAgentHostStatus());

        // Options: the configuration section first, then code, then what the host needs; validated when the host starts.
        services.AddSingleton(sp => new MitiOptionsSetup(sp.GetService<IConfiguration>(), settings.ConfigurationSectionPath));
        services.AddSingleton<IConfigureOptions<MitiAgentOptions>>(sp => sp.GetRequiredService<MitiOptionsSetup>());
        services.AddSingleton<IValidateOptions<MitiAgentOptions>>(sp => sp.GetRequiredService<MitiOptionsSetup>());
        services.AddOptions<MitiAgentOptions>().ValidateOnStart();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        // The host owns Ctrl+C / SIGTERM (IHostLifetime) and stops the hosted service.
        services.PostConfigure<MitiAgentOptions>(static options => options.RegisterSignals = false);

        services.AddSingleton(static sp => new MitiAgentClient(
            sp.GetRequiredService<IOptions<MitiAgentOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            httpMessageHandler: null,
            sp.GetService<IMeterFactory>()));

        if (settings.Lifetime == MitiAgentLifetime.Singleton)
        {
            services.TryAddSingleton<TAgent>();
        }
        else
        {
            services.TryAddScoped<TAgent>();
        }

        services.AddSingleton<IHostedAgentHandler>(sp => new HostedAgentHandler<TAgent>(sp, settings.Lifetime, HostingLogger(sp)));
        services.AddHostedService(sp => new MitiAgentHostedService(
            sp.GetRequiredService<MitiAgentClient>(),
            sp.GetRequiredService<IHostedAgentHandler>(),
            settings,
            sp.GetRequiredService<MitiOptionsSetup>(),
            sp.GetRequiredService<MitiAgentHostStatus>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            HostingLogger(sp)));
        return services;
    }

    private static MitiAgentRegistration? FindRegistration(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(MitiAgentRegistration) && !descriptor.IsKeyedService)
            {
                return descriptor.ImplementationInstance as MitiAgentRegistration;
            }
        }

        return null;
    }

    private static ILogger HostingLogger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(MitiHostingLogCategories.Hosting) ?? NullLogger.Instance;
}
