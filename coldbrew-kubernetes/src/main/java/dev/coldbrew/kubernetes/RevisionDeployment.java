package dev.coldbrew.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.controller.Labels;
import dev.coldbrew.controller.Names;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Revision as the Deployment that runs it, as Knative's revision reconciler renders it ({@code
 * deploy.go}, {@code queue.go}): the user container from the Revision's container spec (image,
 * command, env, resources, probes; {@code PORT} and {@code K_SERVICE}/{@code
 * K_CONFIGURATION}/{@code K_REVISION} set; its readiness probe moved to the queue; a {@code
 * preStop} that waits for the queue to drain) beside the {@code queue-proxy} sidecar (ports 8012 or
 * 8013 for h2c, 8022 admin, 8112 https, 9090 and 9091 metrics; Knative's environment contract;
 * readiness through {@code K-Network-Probe: queue}). Labels and annotations are Knative's, the
 * selector is the Revision's uid, and the Deployment is controlled by the Revision so the cluster
 * deletes it with it.
 *
 * <p>Left out on purpose: Knative's deployment-hash label (a hash of Go structures), its
 * observability, logging-config and TLS variables for the queue, and the {@code -istio} port. Pure
 * functions; thread-safe.
 */
public final class RevisionDeployment {
  /** The sidecar's container name, as Knative's. */
  public static final String QUEUE_CONTAINER = "queue-proxy";

  /** The user container's name when the Revision does not name it, as Knative's default. */
  public static final String USER_CONTAINER = "user-container";

  public static final int QUEUE_HTTP_PORT = 8012;
  public static final int QUEUE_H2C_PORT = 8013;
  public static final int QUEUE_ADMIN_PORT = 8022;
  public static final int QUEUE_HTTPS_PORT = 8112;
  public static final int AUTOSCALING_METRICS_PORT = 9090;
  public static final int USER_METRICS_PORT = 9091;
  public static final int DEFAULT_USER_PORT = 8080;

  /** Knative's names of the metrics ports, which the private Service's ports refer to. */
  public static final String AUTOSCALING_METRICS_PORT_NAME = "http-autometric";

  public static final String USER_METRICS_PORT_NAME = "http-usermetric";

  /** The header the queue answers readiness probes on, and its value. */
  public static final String PROBE_HEADER = "K-Network-Probe";

  /** The queue's drain endpoint, the user container's preStop. */
  public static final String DRAIN_PATH = "/wait-for-drain";

  private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();

  /** Serving fields of a Revision's spec that are not pod fields. */
  private static final List<String> SERVING_FIELDS =
      List.of(
          "containers",
          "containerConcurrency",
          "timeoutSeconds",
          "responseStartTimeoutSeconds",
          "idleTimeoutSeconds");

  private static final Set<String> EXCLUDED_LABELS = Set.of(Labels.ROUTE, Labels.ROUTING_STATE);

  private static final Set<String> EXCLUDED_ANNOTATIONS =
      Set.of(
          "serving.knative.dev/lastPinned",
          "serving.knative.dev/no-gc",
          "serving.knative.dev/routingStateModified",
          "serving.knative.dev/routes",
          Labels.LAST_APPLIED);

  /**
   * What the cluster-wide configuration adds to a Revision's Deployment.
   *
   * @param queueImage the image of the {@code queue-proxy} sidecar (Coldbrew's own image; the
   *     sidecar runs its {@code queue} subcommand)
   * @param systemNamespace the namespace Coldbrew's own components run in ({@code SYSTEM_NAMESPACE}
   *     for the queue)
   * @param initialScale replicas before the autoscaler decides, unless the Revision's {@code
   *     autoscaling.knative.dev/initial-scale} says otherwise (Knative's default: 1)
   * @param progressDeadline how long the Deployment may take to progress, unless {@code
   *     serving.knative.dev/progress-deadline} says otherwise (Knative's default: 600 s)
   */
  public record Options(
      String queueImage, String systemNamespace, int initialScale, Duration progressDeadline) {
    public Options {
      if (queueImage == null || queueImage.isBlank()) {
        throw new IllegalArgumentException(
            "queueImage: \"" + queueImage + "\" (expected: an image)");
      }
      if (systemNamespace == null || systemNamespace.isBlank()) {
        throw new IllegalArgumentException(
            "systemNamespace: \"" + systemNamespace + "\" (expected: a namespace)");
      }
      if (initialScale < 0) {
        throw new IllegalArgumentException("initialScale: " + initialScale + " (expected: >= 0)");
      }
      Objects.requireNonNull(progressDeadline, "progressDeadline");
    }

    /** Knative's defaults with this queue image. */
    public static Options defaults(String queueImage) {
      return new Options(queueImage, "coldbrew-system", 1, Duration.ofSeconds(600));
    }
  }

  private RevisionDeployment() {}

  /** The Deployment's name: {@code <revision>-deployment}, shortened as Knative's child names. */
  public static String name(Revision rev) {
    return Names.child(rev.metadata.name, "-deployment");
  }

  /** The labels that select a Revision's pods. */
  public static Map<String, String> selector(Revision rev) {
    return Map.of(Labels.REVISION_UID, rev.metadata.uid);
  }

  /** The Deployment that runs {@code rev} (which must be stored: it needs the uid). */
  public static Deployment render(Revision rev, Options options) {
    if (rev.metadata.uid == null || rev.spec.container() == null) {
      throw new IllegalArgumentException(
          "Revision " + rev.key() + " has no uid or no container: only stored Revisions render");
    }
    Map<String, String> labels = labels(rev);
    Map<String, String> annotations = annotations(rev);
    Map<String, String> podAnnotations = new LinkedHashMap<>(annotations);
    podAnnotations.put("kubectl.kubernetes.io/default-container", userContainerName(rev));
    int replicas =
        AutoscalingAnnotations.integer(annotationsOf(rev), AutoscalingAnnotations.Key.INITIAL_SCALE)
            .orElse(options.initialScale());
    Duration deadline =
        AutoscalingAnnotations.progressDeadline(annotationsOf(rev))
            .orElse(options.progressDeadline());
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name(rev))
        .withNamespace(rev.metadata.namespace)
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .withOwnerReferences(controllerRef(rev))
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(selector(rev))
        .endSelector()
        .withProgressDeadlineSeconds((int) deadline.toSeconds())
        .withRevisionHistoryLimit(0)
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxUnavailable(new IntOrString(0))
        .endRollingUpdate()
        .endStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(new LinkedHashMap<>(labels))
        .withAnnotations(podAnnotations)
        .endMetadata()
        .withSpec(podSpec(rev, options))
        .endTemplate()
        .endSpec()
        .build();
  }

  /** A controller owner reference to {@code owner}, in the cluster's apiVersion. */
  static io.fabric8.kubernetes.api.model.OwnerReference controllerRef(Resource owner) {
    OwnerReference ref = OwnerReference.controllerOf(owner);
    return new OwnerReferenceBuilder()
        .withApiVersion(ClusterKinds.toCluster(ref.apiVersion))
        .withKind(ref.kind)
        .withName(ref.name)
        .withUid(ref.uid)
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** True when {@code o}'s controller owner reference names the object with {@code uid}. */
  static boolean controlledBy(io.fabric8.kubernetes.api.model.HasMetadata o, String uid) {
    List<io.fabric8.kubernetes.api.model.OwnerReference> refs =
        o.getMetadata().getOwnerReferences();
    if (refs == null) {
      return false;
    }
    for (io.fabric8.kubernetes.api.model.OwnerReference r : refs) {
      if (Boolean.TRUE.equals(r.getController())) {
        return Objects.equals(uid, r.getUid());
      }
    }
    return false;
  }

  private static Map<String, String> annotationsOf(Resource r) {
    return r.metadata.annotations == null ? Map.of() : r.metadata.annotations;
  }

  private static Map<String, String> labels(Revision rev) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rev.metadata.labels != null) {
      rev.metadata.labels.forEach(
          (k, v) -> {
            if (!EXCLUDED_LABELS.contains(k)) {
              out.put(k, v);
            }
          });
    }
    out.put(Labels.REVISION, rev.metadata.name);
    out.put(Labels.REVISION_UID, rev.metadata.uid);
    out.putIfAbsent("app", rev.metadata.name);
    return out;
  }

  private static Map<String, String> annotations(Revision rev) {
    Map<String, String> out = new LinkedHashMap<>();
    annotationsOf(rev)
        .forEach(
            (k, v) -> {
              if (!EXCLUDED_ANNOTATIONS.contains(k)
                  && !k.startsWith(AutoscalingAnnotations.GROUP)) {
                out.put(k, v);
              }
            });
    return out;
  }

  private static String userContainerName(Revision rev) {
    String n = rev.spec.container().name;
    return n == null || n.isEmpty() ? USER_CONTAINER : n;
  }

  private static int userPort(Revision rev) {
    Container c = rev.spec.container();
    return c.ports != null && !c.ports.isEmpty() && c.ports.get(0).containerPort != null
        ? c.ports.get(0).containerPort
        : DEFAULT_USER_PORT;
  }

  /** A tree written by our codec as fabric8's model class. */
  private static <T> T asFabric8(JsonNode tree, Class<T> type) {
    return FABRIC8.convertValue(ResourceCodec.json().convertValue(tree, Object.class), type);
  }

  private static PodSpec podSpec(Revision rev, Options options) {
    ObjectNode tree = ResourceCodec.json().valueToTree(rev.spec);
    tree.remove(SERVING_FIELDS);
    PodSpec pod = asFabric8(tree, PodSpec.class);
    pod.setContainers(List.of(userContainer(rev), queueContainer(rev, options)));
    pod.setTerminationGracePeriodSeconds(rev.spec.timeoutSeconds);
    if (pod.getEnableServiceLinks() == null) {
      pod.setEnableServiceLinks(false);
    }
    return pod;
  }

  private static io.fabric8.kubernetes.api.model.Container userContainer(Revision rev) {
    Container spec = rev.spec.container();
    ObjectNode tree = ResourceCodec.json().valueToTree(spec);
    io.fabric8.kubernetes.api.model.Container c =
        asFabric8(tree, io.fabric8.kubernetes.api.model.Container.class);
    int port = userPort(rev);
    c.setName(userContainerName(rev));
    c.setPorts(
        List.of(new ContainerPortBuilder().withName("user-port").withContainerPort(port).build()));
    List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
    env.add(env("PORT", Integer.toString(port)));
    env.add(env("K_REVISION", rev.metadata.name));
    env.add(env("K_CONFIGURATION", nonNull(rev.metadata.label(Labels.CONFIGURATION))));
    env.add(env("K_SERVICE", nonNull(rev.metadata.label(Labels.SERVICE))));
    c.setEnv(env);
    c.setLifecycle(
        new LifecycleBuilder()
            .withNewPreStop()
            .withNewHttpGet()
            .withPort(new IntOrString(QUEUE_ADMIN_PORT))
            .withPath(DRAIN_PATH)
            .endHttpGet()
            .endPreStop()
            .build());
    c.setStdin(null);
    c.setTty(null);
    if (c.getTerminationMessagePolicy() == null) {
      c.setTerminationMessagePolicy("FallbackToLogsOnError");
    }
    Probe readiness = c.getReadinessProbe();
    if (readiness != null
        && (readiness.getHttpGet() != null
            || readiness.getTcpSocket() != null
            || readiness.getGrpc() != null)) {
      c.setReadinessProbe(null);
    }
    Probe liveness = c.getLivenessProbe();
    if (liveness != null && liveness.getHttpGet() != null) {
      liveness.getHttpGet().setPort(new IntOrString(port));
    } else if (liveness != null && liveness.getTcpSocket() != null) {
      liveness.getTcpSocket().setPort(new IntOrString(port));
    }
    return c;
  }

  /** The user container's readiness probe as the queue runs it (Knative's defaults applied). */
  private static Probe userReadiness(Revision rev) {
    Container spec = rev.spec.container();
    int port = userPort(rev);
    Probe p =
        spec.readinessProbe == null
            ? new ProbeBuilder().withNewTcpSocket().endTcpSocket().withSuccessThreshold(1).build()
            : asFabric8(ResourceCodec.json().valueToTree(spec.readinessProbe), Probe.class);
    if (p.getHttpGet() != null) {
      p.getHttpGet().setHost("127.0.0.1");
      p.getHttpGet().setPort(new IntOrString(port));
      if (p.getHttpGet().getScheme() == null) {
        p.getHttpGet().setScheme("HTTP");
      }
    } else if (p.getTcpSocket() != null) {
      p.getTcpSocket().setHost("127.0.0.1");
      p.getTcpSocket().setPort(new IntOrString(port));
    } else if (p.getExec() != null) {
      p.setExec(null);
      p.setTcpSocket(
          new io.fabric8.kubernetes.api.model.TCPSocketActionBuilder()
              .withHost("127.0.0.1")
              .withPort(new IntOrString(port))
              .build());
    } else if (p.getGrpc() != null) {
      p.getGrpc().setPort(port);
    }
    if (p.getPeriodSeconds() != null
        && p.getPeriodSeconds() > 0
        && (p.getTimeoutSeconds() == null || p.getTimeoutSeconds() < 1)) {
      p.setTimeoutSeconds(1);
    }
    return p;
  }

  private static io.fabric8.kubernetes.api.model.Container queueContainer(
      Revision rev, Options options) {
    int servingPort = rev.spec.h2c() ? QUEUE_H2C_PORT : QUEUE_HTTP_PORT;
    Probe user = userReadiness(rev);
    Probe readiness =
        new ProbeBuilder()
            .withNewHttpGet()
            .withPort(new IntOrString(servingPort))
            .addNewHttpHeader()
            .withName(PROBE_HEADER)
            .withValue("queue")
            .endHttpHeader()
            .endHttpGet()
            .withInitialDelaySeconds(user.getInitialDelaySeconds())
            .withPeriodSeconds(user.getPeriodSeconds())
            .withTimeoutSeconds(user.getTimeoutSeconds())
            .withSuccessThreshold(user.getSuccessThreshold())
            .withFailureThreshold(user.getFailureThreshold())
            .build();
    List<ContainerPort> ports =
        List.of(
            port(AUTOSCALING_METRICS_PORT_NAME, AUTOSCALING_METRICS_PORT),
            port(USER_METRICS_PORT_NAME, USER_METRICS_PORT),
            port("queue-port", servingPort),
            port("https-port", QUEUE_HTTPS_PORT),
            port("queue-admin", QUEUE_ADMIN_PORT));
    long timeout = orZero(rev.spec.timeoutSeconds);
    List<EnvVar> env =
        List.of(
            env("SERVING_NAMESPACE", rev.metadata.namespace),
            env("SERVING_SERVICE", nonNull(rev.metadata.label(Labels.SERVICE))),
            env("SERVING_CONFIGURATION", configurationName(rev)),
            env("SERVING_REVISION", rev.metadata.name),
            env("QUEUE_SERVING_PORT", Integer.toString(servingPort)),
            env("QUEUE_SERVING_TLS_PORT", Integer.toString(QUEUE_HTTPS_PORT)),
            env("CONTAINER_CONCURRENCY", Long.toString(orZero(rev.spec.containerConcurrency))),
            env("REVISION_TIMEOUT_SECONDS", Long.toString(timeout)),
            env(
                "REVISION_RESPONSE_START_TIMEOUT_SECONDS",
                Long.toString(orZero(rev.spec.responseStartTimeoutSeconds))),
            env(
                "REVISION_IDLE_TIMEOUT_SECONDS",
                Long.toString(orZero(rev.spec.idleTimeoutSeconds))),
            fieldEnv("SERVING_POD", "metadata.name"),
            fieldEnv("SERVING_POD_IP", "status.podIP"),
            env("USER_PORT", Integer.toString(userPort(rev))),
            env("SYSTEM_NAMESPACE", options.systemNamespace()),
            env("SERVING_READINESS_PROBE", FABRIC8.asJson(user)),
            fieldEnv("HOST_IP", "status.hostIP"),
            env("ENABLE_HTTP2_AUTO_DETECTION", "false"),
            env("ENABLE_HTTP_FULL_DUPLEX", "false"),
            env("ENABLE_MULTI_CONTAINER_PROBES", "false"));
    return new ContainerBuilder()
        .withName(QUEUE_CONTAINER)
        .withImage(options.queueImage())
        .withArgs("queue")
        .withPorts(ports)
        .withReadinessProbe(readiness)
        .withNewResources()
        .addToRequests("cpu", new Quantity("25m"))
        .endResources()
        .withSecurityContext(
            new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .build())
        .withEnv(env)
        .build();
  }

  /** The owning Configuration's name, as Knative's queue gets it (the controller reference). */
  private static String configurationName(Revision rev) {
    OwnerReference ref = rev.metadata.controllerRef();
    return ref != null && "Configuration".equals(ref.kind) ? ref.name : "";
  }

  private static ContainerPort port(String name, int port) {
    return new ContainerPortBuilder().withName(name).withContainerPort(port).build();
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static EnvVar fieldEnv(String name, String fieldPath) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(fieldPath)
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
