package dev.coldbrew.kubernetes;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.config.DomainConfig;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.controller.ControllerManager;
import dev.coldbrew.store.StoreException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code coldbrew controller}: Coldbrew's reconcilers (Service, Configuration, Route, Revision,
 * PodAutoscaler with the KPA, ServerlessService) on a Kubernetes API server. The store is {@link
 * KubernetesStore}, the runtime {@link KubernetesRuntime} (Revisions as Deployments scaled through
 * {@code /scale}), the ServerlessService writes EndpointSlices ({@link SksEndpointSlices}), and the
 * autoscaler's metrics are scraped from the pods' queues ({@link ScrapeLoop}).
 *
 * <p>Life: {@link #start} serves {@code /healthz}, waits for the API server (retrying with backoff
 * while it cannot be reached) and checks that Coldbrew's CRDs are installed — a missing one stops
 * it with a {@link MissingCrdsException} naming it and the install manifest. With leader election
 * (fabric8's LeaderElector on a Lease in the system namespace), only the replica holding the lease
 * runs the reconcilers; the others wait, and take over when the lease is released or expires. A
 * leader that loses its lease (it could not renew it within {@code renewDeadline}, e.g. while the
 * API server was away) stops everything at once and stands for election again; when it wins it
 * lists everything afresh, so nothing depends on what it saw before. While leading, an API server
 * that is down or slow makes requests fail and be retried with per-key backoff (nothing is
 * dropped); {@code /healthz} answers 503 and says what fails until it answers again.
 *
 * <p>Thread-safe. Threads: the leader elector's, {@code coldbrew-controller-lead} (start-up and
 * stop of the leading part), the health server's, and those of the parts it starts.
 */
public final class KubernetesController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesController.class);
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /**
   * How the controller runs.
   *
   * @param systemNamespace where the activator's Service and the Lease live ({@code
   *     coldbrew-system})
   * @param activatorService the activator's Service, whose EndpointSlices give the activator's
   *     addresses ({@code activator-service})
   * @param deployment what every Revision's Deployment gets (the queue image, …)
   * @param config the platform config: defaults, validation, the autoscaler
   * @param domain the domain of Route URLs
   * @param gatewayPort the port in Route URLs (80 is left out)
   * @param leaderElection whether to take a Lease first (false: act at once, for one replica)
   * @param leaseName the Lease's name ({@code coldbrew-controller})
   * @param identity this replica's name in the Lease (the pod's name)
   * @param leaseDuration how long a lease lasts without renewal (15 s)
   * @param renewDeadline how long the leader tries to renew before giving up (10 s)
   * @param retryPeriod how often candidates try (2 s)
   * @param healthAddress where {@code /healthz} listens; null for nowhere
   * @param scrapePeriod how often the pods' queues are scraped (1 s, as Knative)
   */
  public record Options(
      String systemNamespace,
      String activatorService,
      RevisionDeployment.Options deployment,
      ValidationContext config,
      String domain,
      int gatewayPort,
      boolean leaderElection,
      String leaseName,
      String identity,
      Duration leaseDuration,
      Duration renewDeadline,
      Duration retryPeriod,
      InetSocketAddress healthAddress,
      Duration scrapePeriod) {
    public Options {
      requireLabel("systemNamespace", systemNamespace);
      requireLabel("activatorService", activatorService);
      requireLabel("leaseName", leaseName);
      Objects.requireNonNull(deployment, "deployment");
      Objects.requireNonNull(config, "config");
      if (domain == null || domain.length() > 253 || !DNS_SUBDOMAIN.matcher(domain).matches()) {
        throw new IllegalArgumentException(
            "domain: \"" + domain + "\" (expected: a DNS name such as example.com)");
      }
      if (gatewayPort < 1 || gatewayPort > 65535) {
        throw new IllegalArgumentException("gatewayPort: " + gatewayPort + " (expected: 1..65535)");
      }
      if (identity == null || identity.isBlank() || identity.length() > 253) {
        throw new IllegalArgumentException(
            "identity: \"" + identity + "\" (expected: this replica's name, 1..253 characters)");
      }
      positive("leaseDuration", leaseDuration);
      positive("renewDeadline", renewDeadline);
      positive("retryPeriod", retryPeriod);
      positive("scrapePeriod", scrapePeriod);
      if (renewDeadline.compareTo(leaseDuration) >= 0) {
        throw new IllegalArgumentException(
            "renewDeadline: "
                + renewDeadline
                + " (expected: shorter than leaseDuration "
                + leaseDuration
                + ")");
      }
      if (retryPeriod.multipliedBy(12).dividedBy(10).compareTo(renewDeadline) >= 0) {
        throw new IllegalArgumentException(
            "retryPeriod: "
                + retryPeriod
                + " (expected: shorter than renewDeadline "
                + renewDeadline
                + " / 1.2)");
      }
    }

    /** Knative's defaults, leader election on, {@code /healthz} on {@code healthAddress}. */
    public static Options defaults(
        String queueImage, ValidationContext config, String identity, InetSocketAddress health) {
      return new Options(
          "coldbrew-system",
          "activator-service",
          RevisionDeployment.Options.defaults(queueImage),
          config,
          "svc.cluster.local",
          80,
          true,
          "coldbrew-controller",
          identity,
          Duration.ofSeconds(15),
          Duration.ofSeconds(10),
          Duration.ofSeconds(2),
          health,
          Duration.ofSeconds(1));
    }

    public Options withLeaderElection(
        boolean on, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
      return new Options(
          systemNamespace,
          activatorService,
          deployment,
          config,
          domain,
          gatewayPort,
          on,
          leaseName,
          identity,
          leaseDuration,
          renewDeadline,
          retryPeriod,
          healthAddress,
          scrapePeriod);
    }

    public Options withIdentity(String id) {
      return new Options(
          systemNamespace,
          activatorService,
          deployment,
          config,
          domain,
          gatewayPort,
          leaderElection,
          leaseName,
          id,
          leaseDuration,
          renewDeadline,
          retryPeriod,
          healthAddress,
          scrapePeriod);
    }

    public Options withDomain(String d, int port) {
      return new Options(
          systemNamespace,
          activatorService,
          deployment,
          config,
          d,
          port,
          leaderElection,
          leaseName,
          identity,
          leaseDuration,
          renewDeadline,
          retryPeriod,
          healthAddress,
          scrapePeriod);
    }

    private static void requireLabel(String name, String value) {
      if (value == null || !DNS_LABEL.matcher(value).matches()) {
        throw new IllegalArgumentException(
            name
                + ": \""
                + value
                + "\" (expected: a DNS label: lowercase letters, digits and '-', at most 63)");
      }
    }

    private static void positive(String name, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
      }
    }
  }

  /** What the leading part runs; built when the lease is taken, closed when it is lost. */
  private static final class Running implements AutoCloseable {
    final KubernetesStore store;
    final ClusterInformers informers;
    final KubernetesRuntime runtime;
    final ControllerManager manager;
    final ScrapeLoop scrapes;
    final ClusterConfig config;

    Running(
        KubernetesStore store,
        ClusterInformers informers,
        KubernetesRuntime runtime,
        ControllerManager manager,
        ScrapeLoop scrapes,
        ClusterConfig config) {
      this.store = store;
      this.informers = informers;
      this.runtime = runtime;
      this.manager = manager;
      this.scrapes = scrapes;
      this.config = config;
    }

    @Override
    public void close() {
      config.close();
      scrapes.close();
      manager.close();
      runtime.close();
      informers.close();
      store.close();
    }
  }

  /** Where the controller is in its life. */
  public enum State {
    /** Waiting for the API server or the lease. */
    STANDBY,
    /** Taking the lease's work up: listing, starting reconcilers. */
    STARTING,
    /** Running the reconcilers. */
    LEADING,
    /** Closed. */
    CLOSED
  }

  private final KubernetesClient client;
  private final Options options;
  private final QueueScraper scraper;
  private final Clock clock;
  private final ApiServerHealth health;
  private final ExecutorService lead =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "coldbrew-controller-lead");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger leaseLosses = new AtomicInteger();
  private final HttpServer healthServer;
  private final AtomicReference<State> state = new AtomicReference<>(State.STANDBY);
  private volatile Running running;
  private volatile CompletableFuture<?> election;
  private volatile String leader;

  private KubernetesController(
      KubernetesClient client, Options options, QueueScraper scraper, Clock clock) {
    this.client = client;
    this.options = options;
    this.scraper = scraper;
    this.clock = clock;
    this.health = new ApiServerHealth(clock);
    this.healthServer =
        options.healthAddress() == null ? null : healthServer(options.healthAddress());
  }

  /**
   * Starts the controller: serves {@code /healthz}, waits until the API server answers, checks the
   * CRDs, then takes the lease (or, without leader election, starts at once). Returns once the CRDs
   * were found; the reconcilers start in the background.
   *
   * @throws MissingCrdsException when Coldbrew's CRDs are not installed
   */
  public static KubernetesController start(
      KubernetesClient client, Options options, QueueScraper scraper, Clock clock)
      throws InterruptedException {
    KubernetesController c = new KubernetesController(client, options, scraper, clock);
    try {
      c.awaitCrds();
      c.elect();
    } catch (InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void awaitCrds() throws InterruptedException {
    Duration backoff = Duration.ofSeconds(1);
    while (true) {
      try {
        KubernetesStore.checkCrds(client);
        health.answered();
        return;
      } catch (MissingCrdsException e) {
        health.answered();
        throw e;
      } catch (StoreException e) {
        health.failed(e.getMessage());
        LOG.warn("{}; retrying in {} s", e.getMessage(), backoff.toSeconds());
        Thread.sleep(backoff.toMillis());
        backoff = doubled(backoff);
      }
    }
  }

  /** The next wait of a retry loop: twice {@code backoff}, at most 30 s. */
  private static Duration doubled(Duration backoff) {
    Duration twice = backoff.multipliedBy(2);
    return twice.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : twice;
  }

  private void elect() {
    if (!options.leaderElection()) {
      leader = options.identity();
      lead.execute(this::startLeading);
      return;
    }
    LeaderElectionConfig config =
        new LeaderElectionConfig(
            new LeaseLock(options.systemNamespace(), options.leaseName(), options.identity()),
            options.leaseDuration(),
            options.renewDeadline(),
            options.retryPeriod(),
            new LeaderCallbacks(
                () -> {
                  if (state.compareAndSet(State.STANDBY, State.STARTING)) {
                    lead.execute(this::startLeading);
                  }
                },
                () -> {
                  // set at once, so a start-up still retrying on the lead thread gives up
                  if (state.getAndUpdate(s -> s == State.CLOSED ? s : State.STANDBY)
                      != State.CLOSED) {
                    lead.execute(this::stopLeading);
                  }
                },
                id -> {
                  leader = id;
                  LOG.info("the controller leader is now {}", id);
                }),
            true,
            options.leaseName());
    election = client.leaderElector().withConfig(config).build().start();
  }

  /** On the lead thread: opens everything, retrying while the API server cannot be reached. */
  private void startLeading() {
    if (!options.leaderElection() && !state.compareAndSet(State.STANDBY, State.STARTING)) {
      return;
    }
    LOG.info("{} leads: starting the reconcilers", options.identity());
    Duration backoff = Duration.ofSeconds(1);
    while (state.get() == State.STARTING) {
      try {
        Running r = open();
        running = r;
        if (!state.compareAndSet(State.STARTING, State.LEADING)) {
          running = null; // the lease went while starting
          r.close();
          return;
        }
        LOG.info("{}: reconcilers running", options.identity());
        return;
      } catch (StoreException e) {
        health.failed(e.getMessage());
        LOG.warn(
            "starting the reconcilers failed: {}; retrying in {} s",
            e.getMessage(),
            backoff.toSeconds());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("starting the reconcilers failed; retrying in {} s", backoff.toSeconds(), e);
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoff = doubled(backoff);
    }
  }

  private Running open() throws InterruptedException {
    KubernetesStore store = KubernetesStore.open(client);
    ClusterInformers informers = null;
    KubernetesRuntime runtime = null;
    ControllerManager manager = null;
    try {
      KubernetesRuntime[] holder = new KubernetesRuntime[1];
      informers =
          new ClusterInformers(
              client,
              options.systemNamespace(),
              options.activatorService(),
              new ClusterInformers.Listener() {
                @Override
                public void changed(String namespace, String revision) {
                  if (holder[0] != null) {
                    holder[0].changed(new NamespacedName(namespace, revision));
                  }
                }

                @Override
                public void activatorsChanged() {
                  if (holder[0] != null) {
                    holder[0].activatorsChanged();
                  }
                }
              });
      runtime = new KubernetesRuntime(client, informers, options.deployment(), health);
      holder[0] = runtime;
      informers.start(Duration.ofSeconds(60));
      manager =
          new ControllerManager(
              store,
              runtime,
              new ClusterNetworking(informers),
              new SksEndpointSlices(client, informers, health),
              options.config(),
              options.domain(),
              options.gatewayPort(),
              clock);
      manager.start();
      ScrapeLoop scrapes =
          new ScrapeLoop(runtime, scraper, manager.statSink(), clock, options.scrapePeriod());
      ControllerManager reconfigured = manager;
      ClusterConfig config;
      try {
        config =
            ClusterConfig.follow(
                client,
                options.systemNamespace(),
                options.config().withDomain(new DomainConfig(options.domain())),
                next -> reconfigured.reconfigure(next, next.domain().domain()));
      } catch (RuntimeException e) {
        scrapes.close();
        throw e;
      }
      return new Running(store, informers, runtime, manager, scrapes, config);
    } catch (InterruptedException | RuntimeException e) {
      if (manager != null) {
        manager.close();
      }
      if (runtime != null) {
        runtime.close();
      }
      if (informers != null) {
        informers.close();
      }
      store.close();
      throw e;
    }
  }

  /** On the lead thread: the lease is gone; stop acting at once, then stand again. */
  private void stopLeading() {
    Running r = running;
    running = null;
    if (r != null) {
      r.close();
    }
    if (state.get() == State.CLOSED) {
      return;
    }
    leaseLosses.incrementAndGet();
    LOG.warn("{} lost the controller lease: stopped; standing again", options.identity());
    elect();
  }

  /** How often this replica lost the lease it held. */
  public int leaseLosses() {
    return leaseLosses.get();
  }

  public State state() {
    return state.get();
  }

  /** The replica that holds the lease, as last seen; null when unknown. */
  public String leader() {
    return leader;
  }

  /** The store while leading (tests and benchmarks). */
  KubernetesStore store() {
    Running r = running;
    return r == null ? null : r.store;
  }

  /** The port {@code /healthz} listens on; -1 when it does not. */
  public int healthPort() {
    return healthServer == null ? -1 : healthServer.getAddress().getPort();
  }

  /**
   * The controller's health as {@code /healthz} reports it.
   *
   * @param ok true when the API server answers and every informer watches
   * @param json the report
   */
  public record Health(boolean ok, String json) {}

  public Health health() {
    ObjectNode root = ResourceCodec.json().createObjectNode();
    State s = state.get();
    root.put("state", s.name().toLowerCase(java.util.Locale.ROOT));
    root.put("identity", options.identity());
    if (leader != null) {
      root.put("leader", leader);
    }
    List<String> notWatching = new ArrayList<>();
    Running r = running;
    Optional<ApiServerHealth.Problem> problem = health.problem();
    if (r != null) {
      r.store.unsyncedKinds().forEach(k -> notWatching.add(k.plural()));
      notWatching.addAll(r.informers.notWatching());
      if (problem.isEmpty()) {
        problem = r.store.apiHealth().problem();
      }
    }
    ObjectNode api = root.putObject("apiServer");
    api.put("url", String.valueOf(client.getMasterUrl()));
    if (problem.isPresent()) {
      api.put("reachable", false);
      api.put("failingSince", problem.get().since().toString());
      api.put("failedRequests", problem.get().failures());
      api.put("lastError", problem.get().lastMessage());
    } else {
      api.put("reachable", true);
    }
    ArrayNode nw = root.putArray("notWatching");
    notWatching.forEach(nw::add);
    boolean ok = problem.isEmpty() && notWatching.isEmpty() && s != State.CLOSED;
    root.put("status", ok ? "ok" : "unhealthy");
    return new Health(ok, root.toString());
  }

  private HttpServer healthServer(InetSocketAddress address) {
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot listen for /healthz on " + address + ": " + e.getMessage(), e);
    }
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            int code;
            if (!"/healthz".equals(path)) {
              code = 404;
              body =
                  "{\"status\":\"not found\",\"paths\":[\"/healthz\"]}"
                      .getBytes(StandardCharsets.UTF_8);
            } else if (!"GET".equals(exchange.getRequestMethod())
                && !"HEAD".equals(exchange.getRequestMethod())) {
              code = 405;
              exchange.getResponseHeaders().set("Allow", "GET, HEAD");
              body = "{\"status\":\"method not allowed\"}".getBytes(StandardCharsets.UTF_8);
            } else {
              Health h = health();
              code = h.ok() ? 200 : 503;
              body = h.json().getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(code, head ? -1 : body.length);
            if (!head) {
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
              }
            }
          }
        });
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "coldbrew-controller-health");
              t.setDaemon(true);
              return t;
            }));
    server.start();
    return server;
  }

  private void cancelElection() {
    CompletableFuture<?> e = election;
    if (e != null) {
      e.cancel(true);
    }
  }

  @Override
  public void close() {
    State before = state.getAndSet(State.CLOSED);
    cancelElection(); // releases the lease
    lead.shutdownNow();
    try {
      lead.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    cancelElection(); // one a stop on the lead thread may have started meanwhile
    Running r = running;
    running = null;
    if (r != null) {
      r.close();
    }
    if (healthServer != null) {
      healthServer.stop(0);
    }
    LOG.debug("controller {} closed (was {})", options.identity(), before);
  }
}
