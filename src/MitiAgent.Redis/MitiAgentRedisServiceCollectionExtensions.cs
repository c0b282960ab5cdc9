using Microsoft.Extensions.Options;
using MitiAgent;
using MitiAgent.Redis;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Shares the event dedupe of a hosted Miti agent's instances through Redis.</summary>
public static class MitiAgentRedisServiceCollectionExtensions
{
    /// <summary>
    /// Every instance of the agent claims each <c>event_id</c> in Redis before handling it, so an event redelivered to
    /// another instance (its ack was lost) is handled once across all of them. Sets
    /// <see cref="MitiAgentOptions.EventDeduplicationStore"/> to a <see cref="RedisEventDeduplicationStore"/> (a
    /// singleton the container disposes). Call it after <c>AddMitiAgent&lt;TAgent&gt;()</c>:
    /// <c>services.AddMitiAgent&lt;EchoAgent&gt;().UseRedisDeduplication("localhost:6379")</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</param>
    /// <param name="keyPrefix">Prefix of every key (default <see cref="RedisEventDeduplicationStore.DefaultKeyPrefix"/>).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection UseRedisDeduplication(this IServiceCollection services, string configuration, string keyPrefix = RedisEventDeduplicationStore.DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(services);
        var store = new RedisEventDeduplicationStore(configuration, keyPrefix); // validates before the host starts
        services.AddSingleton(store);
        return UseStore(services);
    }

    /// <summary>As <see cref="UseRedisDeduplication(IServiceCollection, string, string)"/>, over a connection the application already has (left open at dispose).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="redis">The connection.</param>
    /// <param name="keyPrefix">Prefix of every key.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection UseRedisDeduplication(this IServiceCollection services, IConnectionMultiplexer redis, string keyPrefix = RedisEventDeduplicationStore.DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new RedisEventDeduplicationStore(redis, keyPrefix));
        return UseStore(services);
    }

    private static IServiceCollection UseStore(IServiceCollection services)
    {
        services.AddOptions<MitiAgentOptions>().Configure<RedisEventDeduplicationStore>(static (options, store) => options.EventDeduplicationStore = store);
        return services;
    }
}
