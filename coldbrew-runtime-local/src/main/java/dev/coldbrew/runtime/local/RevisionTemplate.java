package dev.coldbrew.runtime.local;

import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Probe;
import dev.coldbrew.api.model.Revision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the runtime needs of a Revision to start its processes, read once from the (defaulted,
 * validated) resource so that later changes to the mutable resource object cannot reach running
 * instances. Immutable.
 */
record RevisionTemplate(
    NamespacedName revision,
    String service,
    String configuration,
    List<String> command,
    Path workingDir,
    Map<String, String> env,
    ProbeSpec readiness,
    ProbeSpec liveness,
    Duration timeout) {

  static final String SERVICE_LABEL = "serving.knative.dev/service";
  static final String CONFIGURATION_LABEL = "serving.knative.dev/configuration";

  static RevisionTemplate of(Revision r, LocalRuntimeOptions options) {
    if (r.metadata == null || r.metadata.name == null || r.metadata.namespace == null) {
      throw new IllegalArgumentException("metadata: missing name or namespace");
    }
    Container c = r.spec == null ? null : r.spec.container();
    if (c == null) {
      throw new IllegalArgumentException("spec.containers: missing (expected: one container)");
    }
    if (c.command == null || c.command.isEmpty()) {
      throw new IllegalArgumentException(
          "spec.containers[0].command: missing (expected: the program to run; the local runtime"
              + " does not run images)");
    }
    List<String> command = new ArrayList<>(c.command);
    if (c.args != null) {
      command.addAll(c.args);
    }
    Path wd =
        c.workingDir == null || c.workingDir.isEmpty()
            ? options.defaultWorkingDir()
            : options.defaultWorkingDir().resolve(c.workingDir);
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
        List.copyOf(command),
        wd,
        Collections.unmodifiableMap(env),
        readiness,
        liveness,
        timeout);
  }

  /**
   * The environment of one process: the platform's own (so PATH, HOME and the like work), the
   * template's {@code env} in order, then Knative's runtime contract. Template values and the
   * command may use Kubernetes' {@code $(NAME)} references to the variables set here.
   */
  Map<String, String> environment(Map<String, String> platformEnv, int port) {
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
    Map<String, String> all = new LinkedHashMap<>(platformEnv);
    all.putAll(own);
    return all;
  }

  /** The command line with {@code $(NAME)} references to the container's variables expanded. */
  List<String> commandLine(Map<String, String> containerEnv) {
    List<String> out = new ArrayList<>(command.size());
    for (String s : command) {
      out.add(expand(s, containerEnv));
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
     * The probe as given; {@code null} becomes the default TCP connect to PORT, and so do {@code
     * exec} and {@code grpc} probes, which the local runtime cannot run (as Knative's queue-proxy
     * does for exec). The probe's port is always the instance's PORT: Knative only allows the
     * container port there, and every local instance has its own.
     */
    static ProbeSpec of(Probe p, LocalRuntimeOptions o) {
      if (p == null) {
        return new ProbeSpec(
            null,
            List.of(),
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
      return new ProbeSpec(
          path,
          List.copyOf(headers),
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
