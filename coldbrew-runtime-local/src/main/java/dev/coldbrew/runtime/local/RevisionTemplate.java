package dev.coldbrew.runtime.local;

import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.ImageReference;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Probe;
import dev.coldbrew.api.model.Quantity;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.ContainerNetwork;
import dev.coldbrew.api.runtime.Engine;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the runtime needs of a Revision to start its instances, read once from the (defaulted,
 * validated) resource so that later changes to the mutable resource object cannot reach running
 * instances. A process runs {@code command} + {@code args} in {@code workingDir}; a container runs
 * {@link ContainerSpec#image} (the digest the image resolved to), with {@code command} as its
 * entrypoint and {@code args} as its arguments when given. Immutable.
 *
 * @param workingDir a process's working directory (resolved); unused for containers
 * @param container what only a container needs; null for a process
 */
record RevisionTemplate(
    NamespacedName revision,
    String service,
    String configuration,
    Engine engine,
    List<String> command,
    List<String> args,
    Path workingDir,
    Map<String, String> env,
    ProbeSpec readiness,
    ProbeSpec liveness,
    Duration timeout,
    ContainerSpec container) {

  static final String SERVICE_LABEL = "serving.knative.dev/service";
  static final String CONFIGURATION_LABEL = "serving.knative.dev/configuration";

  /** The port a container listens on when it declares none (Knative's default). */
  static final int DEFAULT_CONTAINER_PORT = 8080;

  /**
   * What a container instance is run with.
   *
   * @param image the reference to run: the revision's resolved digest ({@code repo@sha256:…})
   * @param pullIfMissing whether the engine may pull it when it is gone from local storage (false
   *     for {@code imagePullPolicy: Never} and for images built here)
   * @param network how the platform reaches it
   * @param containerPort the port the app listens on in its own network ({@link
   *     ContainerNetwork#BRIDGE}); with {@link ContainerNetwork#HOST} a free port is used instead
   * @param workingDir {@code workingDir}, an absolute path in the image, or null for the image's
   * @param cpus {@code resources.limits.cpu} in cores, or null
   * @param memoryBytes {@code resources.limits.memory} in bytes, or null
   */
  record ContainerSpec(
      String image,
      boolean pullIfMissing,
      ContainerNetwork network,
      int containerPort,
      String workingDir,
      BigDecimal cpus,
      Long memoryBytes) {}

  static RevisionTemplate of(Revision r, LocalRuntimeOptions options) {
    if (r.metadata == null || r.metadata.name == null || r.metadata.namespace == null) {
      throw new IllegalArgumentException("metadata: missing name or namespace");
    }
    Container c = r.spec == null ? null : r.spec.container();
    if (c == null) {
      throw new IllegalArgumentException("spec.containers: missing (expected: one container)");
    }
    Engine engine = Engine.of(r, options.defaultEngine());
    List<String> command = c.command == null ? List.of() : List.copyOf(c.command);
    List<String> args = c.args == null ? List.of() : List.copyOf(c.args);
    ContainerSpec container = null;
    Path wd = options.defaultWorkingDir();
    if (engine == Engine.PROCESS) {
      if (command.isEmpty()) {
        throw new IllegalArgumentException(
            "spec.containers[0].command: missing (expected: the program to run as a process)");
      }
      if (c.workingDir != null && !c.workingDir.isEmpty()) {
        wd = options.defaultWorkingDir().resolve(c.workingDir);
      }
    } else {
      container = containerSpec(r, c, options);
    }
    Map<String, String> env = new LinkedHashMap<>();
    if (c.env != null) {
      for (EnvVar e : c.env) {
        if (e.name != null && e.valueFrom == null) {
          env.put(e.name, e.value == null ? "" : e.value);
        }
      }
    }
    ProbeSpec readiness = ProbeSpec.of(c.readinessProbe, options);
    ProbeSpec liveness = c.livenessProbe == null ? null : ProbeSpec.of(c.livenessProbe, options);
    Duration timeout =
        r.spec.timeoutSeconds != null && r.spec.timeoutSeconds > 0
            ? Duration.ofSeconds(r.spec.timeoutSeconds)
            : options.defaultRevisionTimeout();
    String service = r.metadata.label(SERVICE_LABEL);
    String configuration = r.metadata.label(CONFIGURATION_LABEL);
    return new RevisionTemplate(
        NamespacedName.of(r),
        service == null ? "" : service,
        configuration == null ? "" : configuration,
        engine,
        command,
        args,
        wd,
        Collections.unmodifiableMap(env),
        readiness,
        liveness,
        timeout,
        container);
  }

  private static ContainerSpec containerSpec(Revision r, Container c, LocalRuntimeOptions o) {
    String digest = r.status == null ? null : r.status.imageDigest();
    if (digest == null || digest.isEmpty()) {
      throw new IllegalArgumentException(
          "status.containerStatuses[0].imageDigest: missing (expected: the image resolved before"
              + " the revision is scaled)");
    }
    ImageReference ref = ImageReference.parse(c.image == null ? digest : c.image);
    int port =
        c.ports != null
                && !c.ports.isEmpty()
                && c.ports.get(0) != null
                && c.ports.get(0).containerPort != null
            ? c.ports.get(0).containerPort
            : DEFAULT_CONTAINER_PORT;
    BigDecimal cpus = null;
    Long memory = null;
    if (c.resources != null && c.resources.limits != null) {
      if (c.resources.limits.get("cpu") != null) {
        cpus = Quantity.parse(c.resources.limits.get("cpu"));
      }
      if (c.resources.limits.get("memory") != null) {
        memory = Quantity.bytes(Quantity.parse(c.resources.limits.get("memory")));
      }
    }
    return new ContainerSpec(
        digest,
        ContainerEngine.mayPull(ref, c.imagePullPolicy),
        ContainerNetwork.of(r.metadata.annotations, o.defaultContainerNetwork()),
        port,
        c.workingDir == null || c.workingDir.isEmpty() ? null : c.workingDir,
        cpus,
        memory);
  }

  /**
   * The environment of one run: {@code base} (the platform's own for a process, so PATH, HOME and
   * the like work; nothing for a container, whose image brings its own), the template's {@code env}
   * in order, then Knative's runtime contract. Template values and the command may use Kubernetes'
   * {@code $(NAME)} references to the variables set here.
   */
  Map<String, String> environment(Map<String, String> base, int port) {
    Map<String, String> contract = new LinkedHashMap<>();
    contract.put("PORT", Integer.toString(port));
    contract.put("K_SERVICE", service);
    contract.put("K_CONFIGURATION", configuration);
    contract.put("K_REVISION", revision.name());
    Map<String, String> own = new LinkedHashMap<>(contract);
    for (Map.Entry<String, String> e : env.entrySet()) {
      own.put(e.getKey(), expand(e.getValue(), own));
    }
    own.putAll(contract);
    Map<String, String> all = new LinkedHashMap<>(base);
    all.putAll(own);
    return all;
  }

  /** A process's command line: command then args, {@code $(NAME)} references expanded. */
  List<String> commandLine(Map<String, String> containerEnv) {
    List<String> out = expandAll(command, containerEnv);
    out.addAll(expandAll(args, containerEnv));
    return out;
  }

  /** Each string with {@code $(NAME)} references to the container's variables expanded. */
  static List<String> expandAll(List<String> strings, Map<String, String> vars) {
    List<String> out = new ArrayList<>(strings.size());
    for (String s : strings) {
      out.add(expand(s, vars));
    }
    return out;
  }

  /**
   * Kubernetes' variable expansion: {@code $(NAME)} becomes NAME's value when NAME is defined and
   * stays as written otherwise; {@code $$} is a literal {@code $}.
   */
  static String expand(String s, Map<String, String> vars) {
    if (s.indexOf('$') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char ch = s.charAt(i);
      if (ch == '$' && i + 1 < s.length()) {
        char next = s.charAt(i + 1);
        if (next == '$') {
          b.append('$');
          i += 2;
          continue;
        }
        int close = next == '(' ? s.indexOf(')', i + 2) : -1;
        if (close > 0) {
          String name = s.substring(i + 2, close);
          String value = vars.get(name);
          b.append(value != null ? value : s.substring(i, close + 1));
          i = close + 1;
          continue;
        }
      }
      b.append(ch);
      i++;
    }
    return b.toString();
  }

  /** A readiness or liveness check with Kubernetes' defaults filled in. */
  record ProbeSpec(
      String httpPath,
      List<Map.Entry<String, String>> httpHeaders,
      List<String> exec,
      String grpcService,
      Duration initialDelay,
      Duration period,
      Duration timeout,
      int successThreshold,
      int failureThreshold) {

    /** HTTP GET if {@code httpPath} is set, else a TCP connect. */
    boolean http() {
      return httpPath != null;
    }

    /**
     * The probe as given; {@code null} becomes the default TCP connect to PORT. An {@code exec}
     * probe runs its command where the instance runs ({@link Launched#probeCommand}); a {@code
     * grpc} probe asks the health service for {@code grpc.service} ("" by default: the whole
     * server). The probe's port is always the instance's PORT: Knative only allows the container
     * port there (for gRPC, validation refuses another on this runtime), and every local instance
     * has its own.
     */
    static ProbeSpec of(Probe p, LocalRuntimeOptions o) {
      if (p == null) {
        return new ProbeSpec(
            null,
            List.of(),
            null,
            null,
            Duration.ZERO,
            o.defaultProbePeriod(),
            o.defaultProbeTimeout(),
            1,
            o.defaultFailureThreshold());
      }
      String path = null;
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      if (p.httpGet != null) {
        path = p.httpGet.path == null || p.httpGet.path.isEmpty() ? "/" : p.httpGet.path;
        if (!path.startsWith("/")) {
          path = "/" + path;
        }
        if (p.httpGet.httpHeaders != null) {
          p.httpGet.httpHeaders.stream()
              .filter(h -> h.name != null && h.value != null)
              .forEach(h -> headers.add(Map.entry(h.name, h.value)));
        }
      }
      List<String> exec = null;
      if (p.exec != null && p.exec.path("command").isArray()) {
        exec = new ArrayList<>();
        for (var word : p.exec.path("command")) {
          exec.add(word.asText());
        }
        exec = List.copyOf(exec);
      }
      String grpcService = null;
      if (p.grpc != null && p.grpc.isObject()) {
        grpcService = p.grpc.path("service").asText("");
      }
      return new ProbeSpec(
          path,
          List.copyOf(headers),
          exec,
          grpcService,
          seconds(p.initialDelaySeconds, Duration.ZERO),
          seconds(p.periodSeconds, o.defaultProbePeriod()),
          seconds(p.timeoutSeconds, o.defaultProbeTimeout()),
          p.successThreshold == null || p.successThreshold < 1 ? 1 : p.successThreshold,
          p.failureThreshold == null || p.failureThreshold < 1
              ? o.defaultFailureThreshold()
              : p.failureThreshold);
    }

    private static Duration seconds(Integer s, Duration dflt) {
      return s == null || s <= 0 ? dflt : Duration.ofSeconds(s);
    }
  }
}
