package dev.coldbrew.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.ContainerPort;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.ImageReference;
import dev.coldbrew.api.model.Probe;
import dev.coldbrew.api.model.Quantity;
import dev.coldbrew.api.model.ResourceRequirements;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.RevisionSpec;
import dev.coldbrew.api.runtime.Engine;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Validates a Revision, and the Revision spec of every template (Knative's {@code
 * revision_validation.go}). Thread-safe (stateless).
 */
final class RevisionValidator {
  /** The port the runtime gives a container that declares none. */
  static final int DEFAULT_PORT = 8080;

  /** Ports Knative's queue-proxy and metrics use, so the user container may not. */
  static final Set<Integer> RESERVED_PORTS = Set.of(8012, 8013, 8022, 9090, 9091);

  /** Environment variables the platform sets itself. */
  static final List<String> RESERVED_ENV =
      List.of("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION");

  private RevisionValidator() {}

  static void validate(Revision r, ValidationContext ctx, List<FieldError> errors) {
    MetadataValidator.objectMeta(r.metadata, ctx.autoscaler(), errors);
    if (r.spec == null) {
      errors.add(FieldError.missing("spec"));
      return;
    }
    validateSpec(r.spec, "spec", r.metadata == null ? null : r.metadata.annotations, ctx, errors);
  }

  static void validateUpdate(Revision old, Revision updated, List<FieldError> errors) {
    JsonNode before = old.spec == null ? null : ResourceCodec.json().valueToTree(old.spec);
    JsonNode after = updated.spec == null ? null : ResourceCodec.json().valueToTree(updated.spec);
    if (!Objects.equals(before, after)) {
      errors.add(new FieldError("spec", "immutable fields changed (a Revision cannot be changed)"));
    }
  }

  /**
   * A Revision spec at {@code path} ({@code spec} or {@code spec.template.spec}), whose revision
   * has {@code annotations} (which may choose the {@link Engine}).
   */
  static void validateSpec(
      RevisionSpec spec,
      String path,
      Map<String, String> annotations,
      ValidationContext ctx,
      List<FieldError> errors) {
    DefaultsConfig d = ctx.defaults();
    if (spec.containers == null || spec.containers.isEmpty()) {
      errors.add(FieldError.missing(path + ".containers"));
    } else {
      if (spec.containers.size() > 1) {
        errors.add(
            FieldError.invalid(
                path + ".containers",
                spec.containers.size() + " containers",
                "exactly one container"));
      }
      for (int i = 0; i < spec.containers.size(); i++) {
        container(
            spec.containers.get(i), path + ".containers[" + i + "]", annotations, ctx, errors);
      }
    }
    if (spec.containerConcurrency != null) {
      long min = d.allowContainerConcurrencyZero() ? 0 : 1;
      long cc = spec.containerConcurrency;
      if (cc < min || cc > d.containerConcurrencyMaxLimit()) {
        errors.add(
            FieldError.invalid(
                path + ".containerConcurrency", cc, min + ".." + d.containerConcurrencyMaxLimit()));
      }
    }
    long timeout = d.revisionTimeoutSeconds();
    if (spec.timeoutSeconds != null) {
      long t = spec.timeoutSeconds;
      if (t < 0 || t > d.maxRevisionTimeoutSeconds()) {
        errors.add(
            FieldError.invalid(path + ".timeoutSeconds", t, "0.." + d.maxRevisionTimeoutSeconds()));
      } else if (t > 0) {
        timeout = t;
      }
    }
    withinTimeout(
        spec.responseStartTimeoutSeconds, path + ".responseStartTimeoutSeconds", timeout, errors);
    withinTimeout(spec.idleTimeoutSeconds, path + ".idleTimeoutSeconds", timeout, errors);
  }

  private static void withinTimeout(
      Long value, String path, long timeout, List<FieldError> errors) {
    if (value != null && (value < 0 || value > timeout)) {
      errors.add(FieldError.invalid(path, value, "0.." + timeout + " (at most timeoutSeconds)"));
    }
  }

  private static void container(
      Container c,
      String path,
      Map<String, String> annotations,
      ValidationContext ctx,
      List<FieldError> errors) {
    if (c == null) {
      errors.add(FieldError.invalid(path, null, "a container"));
      return;
    }
    if (!Names.isEmpty(c.name) && !Names.isDns1123Label(c.name)) {
      errors.add(FieldError.invalid(path + ".name", c.name, Names.DNS1123_EXPECTED));
    }
    Engine engine = Engine.of(annotations, c, ctx.defaultEngine());
    if (ctx.localRuntime()) {
      engine(c, path, engine, annotations, ctx.defaultEngine() != null, errors);
    }
    if (!Names.isEmpty(c.image)) {
      try {
        ImageReference.parse(c.image);
      } catch (IllegalArgumentException e) {
        errors.add(
            FieldError.invalid(
                path + ".image", c.image, ImageReference.EXPECTED + "; " + e.getMessage()));
      }
    }
    if (c.imagePullPolicy != null && !ImageReference.PULL_POLICIES.contains(c.imagePullPolicy)) {
      errors.add(
          FieldError.invalid(
              path + ".imagePullPolicy", c.imagePullPolicy, "Always, IfNotPresent or Never"));
    }
    resources(
        c.resources, path + ".resources", ctx.localRuntime() && engine == Engine.CONTAINER, errors);
    strings(c.command, path + ".command", true, errors);
    strings(c.args, path + ".args", false, errors);
    int port = ports(c.ports, path + ".ports", errors);
    String portName =
        c.ports != null && c.ports.size() == 1 && c.ports.get(0) != null
            ? c.ports.get(0).name
            : null;
    env(c.env, path + ".env", ctx.localRuntime(), errors);
    if (ctx.localRuntime() && c.envFrom != null && !c.envFrom.isNull() && !c.envFrom.isEmpty()) {
      errors.add(
          new FieldError(
              path + ".envFrom",
              "not supported by the local runtime, which has no Secrets or ConfigMaps (expected:"
                  + " env entries with a value)"));
    }
    probe(c.readinessProbe, path + ".readinessProbe", false, port, portName, ctx, errors);
    probe(c.livenessProbe, path + ".livenessProbe", true, port, portName, ctx, errors);
    probe(c.startupProbe, path + ".startupProbe", true, port, portName, ctx, errors);
  }

  /** What the engine that will run the container needs of it. */
  private static void engine(
      Container c,
      String path,
      Engine engine,
      Map<String, String> annotations,
      boolean platformDefault,
      List<FieldError> errors) {
    boolean annotated =
        annotations != null && Engine.parse(annotations.get(Engine.ANNOTATION)) != null;
    String why =
        annotated
            ? " (annotation " + Engine.ANNOTATION + ": " + engine.value() + ")"
            : " (the platform's default engine)";
    boolean hasCommand = c.command != null && !c.command.isEmpty();
    if (!hasCommand && Names.isEmpty(c.image) && !annotated && !platformDefault) {
      errors.add(
          new FieldError(
              path + ".image",
              "missing required field: set image (it runs as a container) or command (it runs"
                  + " as a process)"));
    } else if (engine == Engine.PROCESS && !hasCommand) {
      errors.add(
          new FieldError(
              path + ".command",
              "missing required field: this revision runs as a process"
                  + why
                  + ", which runs command and args"
                  + (Names.isEmpty(c.image)
                      ? ""
                      : ", not image \""
                          + c.image
                          + "\" (add command: [...]"
                          + (annotated ? ", or remove the annotation to run the image)" : ")"))));
    } else if (engine == Engine.CONTAINER && Names.isEmpty(c.image)) {
      errors.add(
          new FieldError(
              path + ".image",
              "missing required field: this revision runs as a container"
                  + why
                  + ", which needs an image (e.g. image: localhost/hello:1)"));
    }
    if (engine == Engine.CONTAINER
        && !Names.isEmpty(c.workingDir)
        && !c.workingDir.startsWith("/")) {
      errors.add(
          FieldError.invalid(
              path + ".workingDir", c.workingDir, "an absolute path inside the container"));
    }
  }

  /** The smallest memory limit the container engine accepts. */
  static final long MIN_CONTAINER_MEMORY = 6L << 20;

  /** The smallest CPU limit the container engine can enforce (1 ms of every 100 ms). */
  static final BigDecimal MIN_CONTAINER_CPU = new BigDecimal("0.01");

  /** Every limit and request is a quantity; a container's limits are ones its engine can apply. */
  private static void resources(
      ResourceRequirements r, String path, boolean container, List<FieldError> errors) {
    if (r == null) {
      return;
    }
    Map<String, Map<String, JsonNode>> kinds = new java.util.LinkedHashMap<>();
    kinds.put("limits", r.limits);
    kinds.put("requests", r.requests);
    for (var entry : kinds.entrySet()) {
      if (entry.getValue() == null) {
        continue;
      }
      for (var e : entry.getValue().entrySet()) {
        String at = path + "." + entry.getKey() + "." + e.getKey();
        BigDecimal v;
        try {
          v = Quantity.parse(e.getValue());
        } catch (IllegalArgumentException ex) {
          errors.add(
              FieldError.invalid(
                  at, e.getValue() == null ? null : e.getValue().asText(), Quantity.EXPECTED));
          continue;
        }
        if (v.signum() < 0) {
          errors.add(FieldError.invalid(at, e.getValue().asText(), "a quantity >= 0"));
        } else if (container && entry.getKey().equals("limits")) {
          if (e.getKey().equals("memory")
              && v.compareTo(BigDecimal.valueOf(MIN_CONTAINER_MEMORY)) < 0) {
            errors.add(
                FieldError.invalid(
                    at, e.getValue().asText(), "at least 6Mi, the container engine's minimum"));
          } else if (e.getKey().equals("cpu") && v.compareTo(MIN_CONTAINER_CPU) < 0) {
            errors.add(
                FieldError.invalid(
                    at,
                    e.getValue().asText(),
                    "at least 10m, the smallest limit the engine enforces"));
          }
        }
      }
    }
  }

  private static void strings(
      List<String> values, String path, boolean nonEmpty, List<FieldError> errors) {
    if (values == null) {
      return;
    }
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v == null || (nonEmpty && v.isEmpty())) {
        errors.add(
            FieldError.invalid(
                path + "[" + i + "]", v, nonEmpty ? "a non-empty string" : "a string"));
      }
    }
  }

  /** Checks the ports and returns the container's port (8080 when none is declared). */
  private static int ports(List<ContainerPort> ports, String path, List<FieldError> errors) {
    if (ports == null || ports.isEmpty()) {
      return DEFAULT_PORT;
    }
    if (ports.size() > 1) {
      errors.add(FieldError.invalid(path, ports.size() + " ports", "at most one port"));
    }
    int result = DEFAULT_PORT;
    for (int i = 0; i < ports.size(); i++) {
      ContainerPort p = ports.get(i);
      String at = path + "[" + i + "]";
      if (p == null) {
        errors.add(FieldError.invalid(at, null, "a port"));
        continue;
      }
      if (p.containerPort == null) {
        errors.add(FieldError.missing(at + ".containerPort"));
      } else if (p.containerPort < 1 || p.containerPort > 65535) {
        errors.add(FieldError.invalid(at + ".containerPort", p.containerPort, "1..65535"));
      } else if (RESERVED_PORTS.contains(p.containerPort)) {
        errors.add(
            FieldError.invalid(
                at + ".containerPort",
                p.containerPort,
                "a port Knative does not reserve; 8012, 8013, 8022, 9090 and 9091 are reserved"));
      } else if (i == 0) {
        result = p.containerPort;
      }
      if (!Names.isEmpty(p.name) && !p.name.equals("http1") && !p.name.equals("h2c")) {
        errors.add(FieldError.invalid(at + ".name", p.name, "http1, h2c or unset"));
      }
      if (!Names.isEmpty(p.protocol) && !p.protocol.equals("TCP")) {
        errors.add(FieldError.invalid(at + ".protocol", p.protocol, "TCP or unset"));
      }
      if (p.hostPort != null) {
        errors.add(new FieldError(at + ".hostPort", "not allowed (expected: unset)"));
      }
      if (!Names.isEmpty(p.hostIP)) {
        errors.add(new FieldError(at + ".hostIP", "not allowed (expected: unset)"));
      }
    }
    return result;
  }

  private static void env(
      List<EnvVar> env, String path, boolean localRuntime, List<FieldError> errors) {
    if (env == null) {
      return;
    }
    for (int i = 0; i < env.size(); i++) {
      EnvVar e = env.get(i);
      String at = path + "[" + i + "]";
      if (e == null) {
        errors.add(FieldError.invalid(at, null, "an environment variable"));
        continue;
      }
      if (Names.isEmpty(e.name)) {
        errors.add(FieldError.missing(at + ".name"));
      } else if (!Names.isEnvName(e.name)) {
        errors.add(
            FieldError.invalid(
                at + ".name",
                e.name,
                "letters, digits, '_', '-' and '.', not starting with a digit"));
      } else if (RESERVED_ENV.contains(e.name)) {
        errors.add(
            FieldError.invalid(
                at + ".name",
                e.name,
                "a name other than PORT, K_SERVICE, K_CONFIGURATION and K_REVISION, which the"
                    + " platform sets"));
      }
      boolean from = e.valueFrom != null && !e.valueFrom.isNull();
      if (e.value != null && from) {
        errors.add(new FieldError(at, "value and valueFrom are both set (expected: one of them)"));
      } else if (from && localRuntime) {
        errors.add(
            new FieldError(
                at + ".valueFrom",
                "not supported by the local runtime, which has no Secrets or ConfigMaps"
                    + " (expected: value)"));
      }
    }
  }

  private static void probe(
      Probe p,
      String path,
      boolean liveness,
      int port,
      String portName,
      ValidationContext ctx,
      List<FieldError> errors) {
    if (p == null) {
      return;
    }
    List<String> handlers = new ArrayList<>();
    if (p.httpGet != null) {
      handlers.add("httpGet");
    }
    if (p.tcpSocket != null) {
      handlers.add("tcpSocket");
    }
    if (p.exec != null && !p.exec.isNull()) {
      handlers.add("exec");
    }
    if (p.grpc != null && !p.grpc.isNull()) {
      handlers.add("grpc");
    }
    if (handlers.size() > 1) {
      errors.add(FieldError.invalid(path, String.join(" and ", handlers), "at most one handler"));
    }
    if (handlers.contains("grpc")) {
      grpc(p.grpc, path + ".grpc", port, ctx, errors);
    }
    if (handlers.contains("exec")) {
      var command = p.exec.path("command");
      boolean words = command.isArray() && !command.isEmpty();
      for (var w : command) {
        words &= w.isTextual() && !w.asText().isEmpty();
      }
      if (!words) {
        errors.add(
            FieldError.invalid(
                path + ".exec.command",
                command.isMissingNode() ? null : command,
                "a non-empty list of words, the program first, such as [\"cat\", \"/tmp/ready\"]"));
      }
    }
    if (p.httpGet != null) {
      probePort(p.httpGet.port, path + ".httpGet.port", port, portName, errors);
      String scheme = p.httpGet.scheme;
      if (!Names.isEmpty(scheme) && !scheme.equals("HTTP") && !scheme.equals("HTTPS")) {
        errors.add(FieldError.invalid(path + ".httpGet.scheme", scheme, "HTTP or HTTPS"));
      }
    }
    if (p.tcpSocket != null) {
      probePort(p.tcpSocket.port, path + ".tcpSocket.port", port, portName, errors);
    }
    atLeast(p.initialDelaySeconds, path + ".initialDelaySeconds", 0, errors);
    atLeast(p.periodSeconds, path + ".periodSeconds", 0, errors);
    atLeast(p.timeoutSeconds, path + ".timeoutSeconds", 1, errors);
    atLeast(p.failureThreshold, path + ".failureThreshold", 1, errors);
    if (liveness) {
      if (p.successThreshold != null && p.successThreshold != 1) {
        errors.add(
            FieldError.invalid(
                path + ".successThreshold",
                p.successThreshold,
                "1 for liveness and startup probes"));
      }
    } else {
      atLeast(p.successThreshold, path + ".successThreshold", 1, errors);
    }
  }

  private static void atLeast(Integer value, String path, int min, List<FieldError> errors) {
    if (value != null && value < min) {
      errors.add(FieldError.invalid(path, value, ">= " + min));
    }
  }

  /**
   * A {@code grpc} probe: Kubernetes' {@code port} and {@code service}, nothing else. On the local
   * runtime the port is the container port (or unset): every instance listens on its own PORT.
   */
  private static void grpc(
      JsonNode g, String path, int port, ValidationContext ctx, List<FieldError> errors) {
    if (!g.isObject()) {
      errors.add(FieldError.invalid(path, g, "an object with port and service"));
      return;
    }
    g.fieldNames()
        .forEachRemaining(
            f -> {
              if (!f.equals("port") && !f.equals("service")) {
                errors.add(FieldError.unknown(path + "." + f));
              }
            });
    JsonNode p = g.path("port");
    if (!p.isMissingNode() && !p.isNull()) {
      if (!p.isIntegralNumber() || p.asLong() < 0 || p.asLong() > 65535) {
        errors.add(
            FieldError.invalid(
                path + ".port", p, "a port number, 1..65535, or 0 for the container port"));
      } else if (ctx.localRuntime() && p.asLong() != 0 && p.asLong() != port) {
        errors.add(
            FieldError.invalid(
                path + ".port",
                p.asLong(),
                "the container port "
                    + port
                    + ", or unset: each instance listens on its own PORT"));
      }
    }
    JsonNode service = g.path("service");
    if (!service.isMissingNode() && !service.isNull() && !service.isTextual()) {
      errors.add(
          FieldError.invalid(
              path + ".service",
              service,
              "a string: a service name the health server knows, or \"\" for the whole server"));
    }
  }

  private static void probePort(
      JsonNode value, String path, int port, String portName, List<FieldError> errors) {
    if (value == null || value.isNull()) {
      return;
    }
    String expected = "the container port " + port + ", or unset";
    if (value.isIntegralNumber()) {
      if (value.asLong() != 0 && value.asLong() != port) {
        errors.add(FieldError.invalid(path, value.asLong(), expected));
      }
    } else if (value.isTextual()) {
      String s = value.asText();
      boolean ok =
          s.isEmpty() || s.equals(portName) || s.equals("0") || s.equals(String.valueOf(port));
      if (!ok) {
        errors.add(
            FieldError.invalid(
                path, s, portName == null ? expected : expected + " or \"" + portName + "\""));
      }
    } else {
      errors.add(FieldError.invalid(path, value.toString(), "a port number or name"));
    }
  }
}
