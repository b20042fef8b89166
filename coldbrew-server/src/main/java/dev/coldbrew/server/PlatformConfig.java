package dev.coldbrew.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.config.ConfigReader;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.config.DeploymentConfig;
import dev.coldbrew.api.config.DomainConfig;
import dev.coldbrew.api.config.GcConfig;
import dev.coldbrew.api.runtime.ContainerNetwork;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.Unreadable;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.dataplane.DataPlaneOptions;
import dev.coldbrew.store.admission.RevisionQuota;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The config file ({@code --config coldbrew.yaml}): sections named after Knative's ConfigMaps and
 * holding their keys — {@code autoscaler:} (config-autoscaler), {@code defaults:}
 * (config-defaults), {@code deployment:} (config-deployment), {@code domain:} (config-domain),
 * {@code gc:} (config-gc) — and {@code coldbrew:} for the platform's own limits ({@link Limits}).
 * Every bad key in every section is reported at once. Knative's defaults hold everywhere but one:
 * instances run on this machine, so {@code autoscaler: max-scale} defaults to {@link
 * #localMaxScale()} instead of unlimited. Immutable and thread-safe.
 */
public record PlatformConfig(
    AutoscalerConfig autoscaler,
    DefaultsConfig defaults,
    DeploymentConfig deployment,
    DomainConfig domain,
    GcConfig gc,
    Limits limits) {

  private static final List<String> SECTIONS =
      List.of("autoscaler", "defaults", "deployment", "domain", "gc", "coldbrew");

  /** Instances per revision per core, by default: see {@link #localMaxScale()}. */
  static final int INSTANCES_PER_CORE = 4;

  /**
   * The default {@code max-scale} of the local engine: 4 instances per core. Knative's default is
   * unlimited, since a cluster adds nodes; here every instance is a process on one machine, and
   * without a bound a burst (or slow clients holding requests open) at a revision with a small
   * {@code containerConcurrency} starts a process per request. Four per core leaves room for apps
   * that wait on I/O. A revision's {@code autoscaling.knative.dev/max-scale} annotation, or {@code
   * max-scale} in the config file's {@code autoscaler:} section, sets another bound ({@code 0}:
   * none); {@code max-scale-limit} caps what annotations may ask for.
   */
  public static int localMaxScale() {
    return INSTANCES_PER_CORE * Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /**
   * The {@code coldbrew:} section: bounds a user may want to change.
   *
   * @param maxHeldRequestsPerRevision {@code max-held-requests-per-revision}: requests the
   *     activator holds per revision before answering 503 with {@code Retry-After} (10000)
   * @param maxRequestBodyBytes {@code max-request-body-bytes}: request body bytes before 413 (32
   *     MiB)
   * @param requestBodyIdleTimeout {@code request-body-idle-timeout}: how long a client may send no
   *     byte of a request body the gateway is reading before it gets 408 (10s; {@code 0}: no limit)
   * @param headerReadTimeout {@code header-read-timeout}: how long a client connection may take to
   *     deliver a request's complete headers, from its opening or its previous response, before it
   *     is closed (10s; 1s to 1h: there is always a limit, or idle and slow-header connections
   *     would pile up)
   * @param adminMaxConnections {@code admin-max-connections}: connections the admin API keeps open
   *     at once; more are closed as they open (256: the CLI uses one per command, a dashboard tab a
   *     few, and each holds little)
   * @param adminAllowedHosts {@code admin-allowed-hosts}: host names and addresses, separated by
   *     commas, that the admin API accepts in {@code Host} besides localhost, the loopback
   *     addresses, the bind address and (for a wildcard bind) the machine's own (none)
   * @param maxRevisions {@code max-revisions}: Revisions the platform holds before writes that
   *     would make another are refused with 403 ({@link RevisionQuota}); by default {@link
   *     #defaultMaxRevisions} of the JVM's max heap
   * @param engine {@code engine}: what runs a revision without the {@code coldbrew.dev/engine}
   *     annotation: {@code process}, {@code container}, or {@code auto} (null: a {@code command}
   *     runs as a process, an {@code image} alone as a container; the default)
   * @param containerNetwork {@code container-network}: how containers are reached without the
   *     {@code coldbrew.dev/container-network} annotation: {@code bridge} (their own network, a
   *     port mapping; the default) or {@code host}
   * @param gatewayTransport {@code gateway-transport}: the gateway's Netty transport, {@code
   *     io_uring} (default), {@code epoll} or {@code nio} (see {@link
   *     DataPlaneOptions#transport()})
   * @param gatewayEventLoops {@code gateway-event-loops}: the gateway's event-loop threads; by
   *     default {@link #defaultEventLoops} of the machine's cores
   */
  public record Limits(
      int maxHeldRequestsPerRevision,
      long maxRequestBodyBytes,
      Duration requestBodyIdleTimeout,
      Duration headerReadTimeout,
      int adminMaxConnections,
      List<String> adminAllowedHosts,
      int maxRevisions,
      Engine engine,
      ContainerNetwork containerNetwork,
      String gatewayTransport,
      int gatewayEventLoops) {
    static final String MAX_HELD = "max-held-requests-per-revision";
    static final String MAX_BODY = "max-request-body-bytes";
    static final String BODY_IDLE = "request-body-idle-timeout";
    static final String HEADER_READ = "header-read-timeout";
    static final String ADMIN_MAX_CONNECTIONS = "admin-max-connections";
    static final String ADMIN_ALLOWED_HOSTS = "admin-allowed-hosts";
    static final String ENGINE = "engine";
    static final String CONTAINER_NETWORK = "container-network";
    static final String GATEWAY_TRANSPORT = "gateway-transport";
    static final String GATEWAY_EVENT_LOOPS = "gateway-event-loops";
    private static final int MAX_EVENT_LOOPS = 256;
    private static final List<String> TRANSPORTS = List.of("io_uring", "epoll", "nio");
    private static final java.util.regex.Pattern HOST =
        java.util.regex.Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\\[[0-9a-f:.]+]");

    public Limits {
      adminAllowedHosts = List.copyOf(adminAllowedHosts);
    }

    /** Heap kept for the platform itself and for bursts (lists, dashboard states, applies). */
    static final long BASE_HEAP_BYTES = 64L << 20;

    /**
     * Heap allowed per Revision: a Service with one idle Revision holds about 21-26 KB and each
     * further Revision about 16 KB, so the live data stays under about 60 % of the heap.
     */
    static final long HEAP_BYTES_PER_REVISION = 32L << 10;

    /**
     * The data plane's defaults, the admin API's, and {@code max-revisions} from this JVM's max
     * heap.
     */
    public static Limits defaults() {
      DataPlaneOptions d = DataPlaneOptions.defaults();
      return new Limits(
          d.maxHeldRequestsPerRevision(),
          d.maxBodyBytes(),
          d.requestBodyIdleTimeout(),
          d.headerReadTimeout(),
          256,
          List.of(),
          defaultMaxRevisions(Runtime.getRuntime().maxMemory()),
          null,
          ContainerNetwork.BRIDGE,
          d.transport(),
          defaultEventLoops(Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Half the cores, at least one: the gateway shares the machine with the instances it serves
     * (and, on a developer's machine, with everything else), and a busy thread more than there are
     * free cores costs every request its share of the scheduler's time slices. On 2 cores one loop
     * proxies about 36 k requests a second with a p99 0.2 ms over haproxy's, two loops gave the
     * same rate with a p99 0.9 to 2.2 ms over it (docs/performance.md).
     */
    static int defaultEventLoops(int cores) {
      return Math.max(1, cores / 2);
    }

    /**
     * {@code (maxHeap - 64 MiB) / 32 KiB}, at least 100: 6144 Revisions with {@code -Xmx256m},
     * 30720 with {@code -Xmx1g}.
     */
    static int defaultMaxRevisions(long maxHeapBytes) {
      long n = (maxHeapBytes - BASE_HEAP_BYTES) / HEAP_BYTES_PER_REVISION;
      return (int) Math.max(100, Math.min(Integer.MAX_VALUE, n));
    }

    /** These limits applied to data plane options. */
    public DataPlaneOptions applyTo(DataPlaneOptions o) {
      return o.withMaxHeldRequestsPerRevision(maxHeldRequestsPerRevision)
          .withLimits(
              o.maxHeaderSize(), o.maxInitialLineLength(), maxRequestBodyBytes, headerReadTimeout)
          .withRequestBodyIdleTimeout(requestBodyIdleTimeout)
          .withTransport(gatewayTransport)
          .withEventLoops(gatewayEventLoops);
    }

    static Limits fromMap(String section, Map<String, Object> values) {
      List<FieldError> errors = new ArrayList<>();
      var r =
          new ConfigReader(
              section,
              values,
              Set.of(
                  MAX_HELD,
                  MAX_BODY,
                  BODY_IDLE,
                  HEADER_READ,
                  ADMIN_MAX_CONNECTIONS,
                  ADMIN_ALLOWED_HOSTS,
                  RevisionQuota.KEY,
                  ENGINE,
                  CONTAINER_NETWORK,
                  GATEWAY_TRANSPORT,
                  GATEWAY_EVENT_LOOPS),
              errors);
      Limits d = defaults();
      long held =
          r.integer(
              MAX_HELD,
              d.maxHeldRequestsPerRevision(),
              0,
              Integer.MAX_VALUE,
              "0.." + Integer.MAX_VALUE);
      long body = r.integer(MAX_BODY, d.maxRequestBodyBytes(), 0, Long.MAX_VALUE, ">= 0");
      Duration bodyIdle =
          r.duration(BODY_IDLE, d.requestBodyIdleTimeout(), Duration.ZERO, Duration.ofHours(1));
      Duration headerRead =
          r.duration(
              HEADER_READ, d.headerReadTimeout(), Duration.ofSeconds(1), Duration.ofHours(1));
      long conns =
          r.integer(ADMIN_MAX_CONNECTIONS, d.adminMaxConnections(), 1, 100_000, "1..100000");
      List<String> hosts = new ArrayList<>();
      String raw = r.raw(ADMIN_ALLOWED_HOSTS);
      if (raw != null && !raw.isEmpty()) {
        for (String h : raw.split(",", -1)) {
          String host = h.trim().toLowerCase(java.util.Locale.ROOT);
          if (!HOST.matcher(host).matches() || host.length() > 253) {
            r.error(
                ADMIN_ALLOWED_HOSTS,
                h.trim(),
                "host names or addresses separated by commas, e.g. \"coldbrew.example.com,"
                    + " 192.0.2.7, [2001:db8::7]\"");
          } else {
            hosts.add(host);
          }
        }
      }
      long revisions =
          r.integer(
              RevisionQuota.KEY, d.maxRevisions(), 1, Integer.MAX_VALUE, "1.." + Integer.MAX_VALUE);
      String engineName = r.string(ENGINE, "auto");
      Engine engine = Engine.parse(engineName);
      if (engine == null && !engineName.equals("auto")) {
        r.error(ENGINE, engineName, "auto, " + Engine.EXPECTED);
      }
      String networkName = r.string(CONTAINER_NETWORK, d.containerNetwork().value());
      ContainerNetwork network = ContainerNetwork.parse(networkName);
      if (network == null) {
        r.error(CONTAINER_NETWORK, networkName, ContainerNetwork.EXPECTED);
      }
      String transport = r.string(GATEWAY_TRANSPORT, d.gatewayTransport());
      if (!TRANSPORTS.contains(transport)) {
        r.error(GATEWAY_TRANSPORT, transport, "one of " + String.join(", ", TRANSPORTS));
        transport = d.gatewayTransport();
      }
      long loops =
          r.integer(
              GATEWAY_EVENT_LOOPS,
              d.gatewayEventLoops(),
              1,
              MAX_EVENT_LOOPS,
              "1.." + MAX_EVENT_LOOPS + " (threads)");
      if (!errors.isEmpty()) {
        throw new ValidationException(errors);
      }
      return new Limits(
          (int) held,
          body,
          bodyIdle,
          headerRead,
          (int) conns,
          hosts,
          (int) revisions,
          engine,
          network,
          transport,
          (int) loops);
    }
  }

  /** Knative's defaults everywhere, but the local engine's {@code max-scale}. */
  public static PlatformConfig standard() {
    return new PlatformConfig(
        AutoscalerConfig.fromMap("autoscaler", Map.of(), localMaxScale()),
        DefaultsConfig.defaults(),
        DeploymentConfig.defaults(),
        DomainConfig.defaults(),
        GcConfig.defaults(),
        Limits.defaults());
  }

  /** What validation and defaulting of user resources need. */
  public ValidationContext validationContext() {
    return new ValidationContext(
        defaults, deployment, domain, autoscaler, true, limits.engine(), gc);
  }

  /**
   * Reads a config file.
   *
   * @throws ValidationException naming the file and every bad key
   */
  public static PlatformConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ValidationException(new FieldError("--config", Unreadable.why(file, e)));
    }
    return parse(text, file.toString());
  }

  /** Parses config text; {@code source} names it in errors. */
  public static PlatformConfig parse(String text, String source) {
    JsonNode root;
    try {
      root = text.isBlank() ? null : ResourceCodec.yaml().readTree(text);
    } catch (IOException e) {
      throw new ValidationException(
          new FieldError(
              "",
              source + ": not valid YAML (" + e.getMessage().lines().findFirst().orElse("") + ")"));
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return standard();
    }
    if (!root.isObject()) {
      throw new ValidationException(
          FieldError.invalid(
              "",
              root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT),
              "a map of sections: " + String.join(", ", SECTIONS)));
    }
    List<FieldError> errors = new ArrayList<>();
    Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
    root.properties()
        .forEach(
            e -> {
              if (!SECTIONS.contains(e.getKey())) {
                errors.add(
                    FieldError.invalid(e.getKey(), "unknown section", String.join(", ", SECTIONS)));
              } else if (!e.getValue().isObject() && !e.getValue().isNull()) {
                errors.add(
                    FieldError.invalid(e.getKey(), e.getValue().toString(), "a map of keys"));
              } else {
                Map<String, Object> values = new LinkedHashMap<>();
                e.getValue()
                    .properties()
                    .forEach(
                        kv ->
                            values.put(
                                kv.getKey(),
                                kv.getValue().isValueNode()
                                    ? kv.getValue().asText()
                                    : kv.getValue().toString()));
                sections.put(e.getKey(), values);
              }
            });
    AutoscalerConfig as =
        read(
            errors,
            () ->
                AutoscalerConfig.fromMap(
                    "autoscaler", sections.getOrDefault("autoscaler", Map.of()), localMaxScale()),
            AutoscalerConfig.defaults());
    DefaultsConfig df =
        read(
            errors,
            () -> DefaultsConfig.fromMap("defaults", sections.getOrDefault("defaults", Map.of())),
            DefaultsConfig.defaults());
    DeploymentConfig dp =
        read(
            errors,
            () ->
                DeploymentConfig.fromMap(
                    "deployment", sections.getOrDefault("deployment", Map.of())),
            DeploymentConfig.defaults());
    DomainConfig dm =
        read(
            errors,
            () -> DomainConfig.fromMap("domain", sections.getOrDefault("domain", Map.of())),
            DomainConfig.defaults());
    GcConfig gc =
        read(
            errors,
            () -> GcConfig.fromMap("gc", sections.getOrDefault("gc", Map.of())),
            GcConfig.defaults());
    Limits lm =
        read(
            errors,
            () -> Limits.fromMap("coldbrew", sections.getOrDefault("coldbrew", Map.of())),
            Limits.defaults());
    if (!errors.isEmpty()) {
      List<FieldError> named = new ArrayList<>();
      errors.forEach(e -> named.add(new FieldError(e.path(), e.message() + " in " + source)));
      throw new ValidationException(named);
    }
    return new PlatformConfig(as, df, dp, dm, gc, lm);
  }

  private static <T> T read(
      List<FieldError> errors, java.util.function.Supplier<T> parse, T fallback) {
    try {
      return parse.get();
    } catch (ValidationException e) {
      errors.addAll(e.errors());
      return fallback;
    }
  }
}
