package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceDrainer;
import dev.coldbrew.api.stats.Stat;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.EventExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: the gateway (host → weighted split → revision), each revision's activator and
 * each instance's queue, in one process on Netty event loops. The server feeds it routing tables,
 * revision configs, ready instances and SKS modes; it reports load to a {@link Stat.Sink} every
 * second (and at once on a revision's first request, the poke), and tells the runtime when an
 * instance that left the ready set has finished its requests ({@link InstanceDrainer}).
 *
 * <p>It is a facade over the request path's units: the {@link Gateway} (accept, decode, route) and
 * its {@link ClientConnection}s, one {@link ConnectionTracker} and one {@link UpstreamPool} per
 * event loop, the {@link RevisionRegistry} (routes, revisions, instances) and the {@link
 * LoadReporter}; docs/data-plane.md walks through them.
 *
 * <p>Thread-safe. Every {@code update…} method may be called from any thread and never blocks on
 * I/O; it swaps immutable snapshots that request threads read without locking. Held requests are
 * released by {@link #updateInstances} on the calling thread's turn (no polling) and handed to
 * their event loops. {@link #close()} blocks and must not be called from an event loop. The {@code
 * Stat.Sink} is called from event loops and must not block.
 */
public final class DataPlane implements InstanceDrainer, AutoCloseable {
  static final Logger log = LoggerFactory.getLogger(DataPlane.class);

  /** What {@link #publicEndpoints} reports for the in-process activator. */
  public static final String ACTIVATOR = "activator";

  private final DataPlaneOptions options;
  private final Transport transport;
  private final MultiThreadIoEventLoopGroup group;
  private final RevisionRegistry registry;
  private final LoadReporter reporter;
  private final Gateway gateway;
  private volatile int port = -1;

  /** A data plane with its own event loops, reporting load to {@code sink}. Call {@link #start}. */
  public DataPlane(DataPlaneOptions options, Stat.Sink sink) {
    this(options, sink, Clock.systemUTC(), System::nanoTime);
  }

  DataPlane(DataPlaneOptions options, Stat.Sink sink, Clock clock, LongSupplier nanoTime) {
    this.options = options;
    this.transport = Transport.select(Transport.Kind.parse(options.transport()));
    this.group = transport.group(options.eventLoops(), "coldbrew-gateway");
    this.registry = new RevisionRegistry(options, nanoTime);
    this.reporter = new LoadReporter(sink, clock, nanoTime, registry);
    HttpDecoderConfig responses =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(options.maxInitialLineLength())
            .setMaxHeaderSize(options.maxHeaderSize())
            .setMaxChunkSize(65536);
    long period =
        ConnectionTracker.sweepPeriodNanos(
            options.headerReadTimeout(), options.requestBodyIdleTimeout());
    ConnectionTracker[] loops = new ConnectionTracker[options.eventLoops()];
    int i = 0;
    for (EventExecutor e : group) {
      io.netty.channel.EventLoop loop = (io.netty.channel.EventLoop) e;
      UpstreamPool pool =
          new UpstreamPool(
              loop,
              i,
              transport,
              options.backendPoolSizePerInstance(),
              options.backendConnectTimeout(),
              options.backendKeepAliveTimeout(),
              responses);
      loops[i] =
          new ConnectionTracker(loop, i, pool, nanoTime, options.headerReadTimeout(), period);
      pool.tracker(loops[i]);
      i++;
    }
    this.gateway = new Gateway(options, transport, group, loops, registry, reporter, nanoTime);
  }

  /** Binds the gateway on every event loop; completes with the bound port. */
  public CompletionStage<Integer> start() {
    return gateway
        .bind()
        .thenApply(
            bound -> {
              port = bound;
              reporter.start(group);
              log.info(
                  "gateway listening on {}:{} ({}, {} event loops)",
                  options.bindHost(),
                  bound,
                  transport.name(),
                  options.eventLoops());
              return bound;
            });
  }

  /** Stops listening, drops connections and stops the event loops. Blocks; not on an event loop. */
  @Override
  public void close() {
    try {
      reporter.stop();
      gateway.close();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("closing the data plane: {}", e.toString());
    }
  }

  /** The bound port, or -1 before {@link #start} completed. */
  public int port() {
    return port;
  }

  /**
   * Where request outcomes go (before {@link #start}); {@code coldStartHeader} adds {@code
   * Coldbrew-Cold-Start: <milliseconds>} to responses that waited for an instance.
   */
  public void observe(RequestObserver observer, boolean coldStartHeader) {
    registry.observer = observer;
    gateway.coldStartHeader = coldStartHeader;
  }

  // ---- updates from the server

  /** Replaces the routing table (which the data plane owns from now on). */
  public void updateRoutes(RoutingTable table) {
    registry.replaceRoutes(table);
  }

  /**
   * Updates the routing table per host: {@code removed} hosts go, each host of {@code set} takes
   * its split. Costs O(changed hosts); calls for the same host must be ordered (not concurrent).
   *
   * @throws IllegalArgumentException on a bad split, naming the host (then nothing is applied)
   */
  public void updateRoutes(Map<String, List<RoutingTable.Target>> set, Collection<String> removed) {
    registry.updateRoutes(set, removed);
  }

  /**
   * Updates the domains of DomainMappings as {@link #updateRoutes(Map, Collection)} does the
   * Routes' hosts: public, and looked up after them ({@link RoutingTable#applyDomains}).
   *
   * @throws IllegalArgumentException on a bad split, naming the domain (then nothing is applied)
   */
  public void updateDomains(
      Map<String, List<RoutingTable.Target>> set, Collection<String> removed) {
    registry.updateDomains(set, removed);
  }

  /** Adds or replaces a revision's config. */
  public void updateRevision(RevisionConfig config) {
    registry.updateRevision(config);
  }

  /** As {@link #updateRevision}, for a revision no observer, report or poke may see (Warmup). */
  void updateQuietRevision(RevisionConfig config) {
    registry.updateRevision(config, true);
  }

  /** Forgets a revision; requests still held for it get 503. */
  public void removeRevision(NamespacedName revision) {
    registry.removeRevision(revision);
  }

  /**
   * The revision's ready instances (its private endpoints), in the runtime's order. Held requests
   * are sent to a new instance at once. An instance that left keeps its in-flight requests; {@link
   * #awaitIdle} says when they are done. Call {@link #updateRevision} first: an instance's queue
   * takes the revision's containerConcurrency when the instance first appears.
   */
  public void updateInstances(NamespacedName revision, List<Instance> ready) {
    registry.updateInstances(revision, ready);
  }

  /**
   * The revision's SKS mode: in Proxy mode the activator is in the path (it counts, holds and
   * throttles); in Serve mode requests go straight to an instance's queue. A revision in Serve mode
   * with no ready instance still goes through the activator, so a request is never refused because
   * of scaling.
   */
  public void updateMode(NamespacedName revision, SksMode mode) {
    registry.updateMode(revision, mode);
  }

  /**
   * Marks the revision failed (crash loop, progress deadline): held and new requests get 503 at
   * once, naming the revision and {@code reason}, until {@link #clearFailure}.
   */
  public void failRevision(NamespacedName revision, String reason, String message) {
    registry.failRevision(revision, reason, message);
  }

  /** The revision serves again. */
  public void clearFailure(NamespacedName revision) {
    registry.clearFailure(revision);
  }

  /**
   * The revision's public endpoints as {@code host:port}: in Proxy mode (or with no ready instance)
   * the in-process activator, reported as the gateway's own address; in Serve mode the ready
   * instances.
   */
  public List<String> publicEndpoints(NamespacedName revision) {
    List<String> serving = registry.servingEndpoints(revision);
    return serving != null ? serving : List.of(activatorAddress());
  }

  /** The address the gateway binds. */
  String bindHost() {
    return options.bindHost();
  }

  /** Where the activator listens: the gateway itself ({@code bindHost:port}). */
  public String activatorAddress() {
    return options.bindHost() + ":" + (port >= 0 ? port : options.port());
  }

  /** Requests on their way through an instance now (in its queue or in flight), over all. */
  public int requestsOnInstances() {
    return registry.assignedRequests();
  }

  /** Requests the activator holds for the revision now (for status and tests). */
  public int heldRequests(NamespacedName revision) {
    return registry.heldRequests(revision);
  }

  @Override
  public CompletionStage<Void> awaitIdle(String instanceId, Duration timeout) {
    return registry.awaitIdle(instanceId, timeout);
  }

  // ---- for tests

  /** The revision's state; null if unknown. */
  RevisionState revisionState(NamespacedName revision) {
    return registry.existing(revision);
  }

  /** The instance's queue; null if unknown. */
  InstanceQueue queue(String instanceId) {
    return registry.queue(instanceId);
  }

  /** The transport the data plane runs on. */
  String transportName() {
    return transport.name();
  }
}
