package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.controller.Labels;
import dev.coldbrew.controller.Names;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Revision's two Kubernetes Services, rendered from its ServerlessService as Knative's SKS
 * reconciler does ({@code resources/services.go}), both controlled by the SKS. The <b>private</b>
 * Service {@code <rev>-private} selects the Revision's pods (80 → the queue's serving port, 443 →
 * 8112, and the two metrics ports), so the cluster's EndpointSlice controller lists them; the
 * <b>public</b> Service {@code <rev>} has no selector (80, or 81 for h2c, and 443), so its
 * endpoints are exactly the EndpointSlices the SKS writes ({@link PublicEndpointSlices}). Knative's
 * extra {@code -istio} port is left out. Pure functions; thread-safe.
 */
public final class RevisionServices {
  public static final String PUBLIC = "Public";
  public static final String PRIVATE = "Private";

  private RevisionServices() {}

  /** The private Service's name: {@code <rev>-private}. */
  public static String privateName(ServerlessService sks) {
    return Names.child(sks.metadata.name, "-private");
  }

  /** True when the SKS's revision speaks h2c. */
  static boolean h2c(ServerlessService sks) {
    return "h2c".equals(sks.spec.protocolType);
  }

  /** The queue port the Services target: 8013 for h2c, else 8012. */
  static int targetPort(ServerlessService sks) {
    return h2c(sks) ? RevisionDeployment.QUEUE_H2C_PORT : RevisionDeployment.QUEUE_HTTP_PORT;
  }

  /** The name of the serving port: {@code http2} for h2c, else {@code http}. */
  static String portName(ServerlessService sks) {
    return h2c(sks) ? "http2" : "http";
  }

  /** {@code kubernetes.io/h2c} for h2c, else none. */
  static String appProtocol(ServerlessService sks) {
    return h2c(sks) ? "kubernetes.io/h2c" : null;
  }

  /** The SKS's labels plus the serverlessservice and serviceType labels. */
  static Map<String, String> labels(ServerlessService sks, String type) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (sks.metadata.labels != null) {
      labels.putAll(sks.metadata.labels);
    }
    labels.put(Labels.SKS, sks.metadata.name);
    labels.put(Labels.SERVICE_TYPE, type);
    return labels;
  }

  private static Map<String, String> annotations(ServerlessService sks) {
    return sks.metadata.annotations == null || sks.metadata.annotations.isEmpty()
        ? null
        : new LinkedHashMap<>(sks.metadata.annotations);
  }

  /** The public Service {@code <rev>}: no selector. */
  public static Service publicService(ServerlessService sks) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(sks.metadata.name)
        .withNamespace(sks.metadata.namespace)
        .withLabels(labels(sks, PUBLIC))
        .withAnnotations(annotations(sks))
        .withOwnerReferences(RevisionDeployment.controllerRef(sks))
        .endMetadata()
        .withNewSpec()
        .withPorts(
            port(portName(sks), h2c(sks) ? 81 : 80, new IntOrString(targetPort(sks)), sks),
            port("https", 443, new IntOrString(RevisionDeployment.QUEUE_HTTPS_PORT), null))
        .endSpec()
        .build();
  }

  /** The private Service {@code <rev>-private}, selecting the pods with {@code selector}. */
  public static Service privateService(ServerlessService sks, Map<String, String> selector) {
    if (selector == null || selector.isEmpty()) {
      throw new IllegalArgumentException(
          "the private Service of " + sks.key() + " needs a pod selector (got none)");
    }
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(privateName(sks))
        .withNamespace(sks.metadata.namespace)
        .withLabels(labels(sks, PRIVATE))
        .withAnnotations(annotations(sks))
        .withOwnerReferences(RevisionDeployment.controllerRef(sks))
        .endMetadata()
        .withNewSpec()
        .withPorts(
            List.of(
                port(portName(sks), 80, new IntOrString(targetPort(sks)), sks),
                port("https", 443, new IntOrString(RevisionDeployment.QUEUE_HTTPS_PORT), null),
                port(
                    RevisionDeployment.AUTOSCALING_METRICS_PORT_NAME,
                    RevisionDeployment.AUTOSCALING_METRICS_PORT,
                    new IntOrString(RevisionDeployment.AUTOSCALING_METRICS_PORT_NAME),
                    null),
                port(
                    RevisionDeployment.USER_METRICS_PORT_NAME,
                    RevisionDeployment.USER_METRICS_PORT,
                    new IntOrString(RevisionDeployment.USER_METRICS_PORT_NAME),
                    null)))
        .withSelector(new LinkedHashMap<>(selector))
        .endSpec()
        .build();
  }

  private static ServicePort port(
      String name, int port, IntOrString target, ServerlessService appProtocolOf) {
    return new ServicePortBuilder()
        .withName(name)
        .withProtocol("TCP")
        .withAppProtocol(appProtocolOf == null ? null : appProtocol(appProtocolOf))
        .withPort(port)
        .withTargetPort(target)
        .build();
  }
}
