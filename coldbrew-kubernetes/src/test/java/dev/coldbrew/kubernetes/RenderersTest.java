package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RenderersTest {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  private static final RevisionDeployment.Options OPTIONS =
      RevisionDeployment.Options.defaults("ghcr.io/coldbrew/coldbrew:0.1.0");

  private static Map<String, String> env(Container c) {
    return c.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  @Test
  void revisionDeploymentMatchesGolden() throws Exception {
    Golden.assertGolden(
        "hello-00001-deployment.yaml",
        YAML.asYaml(RevisionDeployment.render(Samples.revision(), OPTIONS)));
  }

  @Test
  void deploymentRunsTheUserContainerBesideTheQueue() {
    Deployment d = RevisionDeployment.render(Samples.revision(), OPTIONS);

    assertThat(d.getMetadata().getName()).isEqualTo("hello-00001-deployment");
    assertThat(d.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getApiVersion()).isEqualTo("serving.coldbrew.dev/v1");
              assertThat(o.getKind()).isEqualTo("Revision");
              assertThat(o.getUid()).isEqualTo("5f8c3a5e-0d0e-4b8a-9a55-1f1b6c2f7a01");
              assertThat(o.getController()).isTrue();
            });
    assertThat(d.getSpec().getSelector().getMatchLabels())
        .containsExactly(
            Map.entry("serving.knative.dev/revisionUID", "5f8c3a5e-0d0e-4b8a-9a55-1f1b6c2f7a01"));
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("serving.knative.dev/revision", "hello-00001")
        .containsEntry("app", "hello-00001")
        .doesNotContainKeys("serving.knative.dev/routingState", "serving.knative.dev/route");
    assertThat(d.getMetadata().getAnnotations())
        .containsEntry("team", "payments")
        .doesNotContainKeys("autoscaling.knative.dev/min-scale", "serving.knative.dev/routes");
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getProgressDeadlineSeconds()).isEqualTo(600);

    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(300L);
    assertThat(pod.getEnableServiceLinks()).isFalse();
    assertThat(pod.getContainers())
        .extracting(Container::getName)
        .containsExactly("user-container", "queue-proxy");
    Container user = pod.getContainers().get(0);
    assertThat(user.getImage()).isEqualTo("ghcr.io/knative/helloworld-go:latest");
    assertThat(user.getReadinessProbe()).isNull();
    assertThat(user.getLivenessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(8081);
    assertThat(user.getLifecycle().getPreStop().getHttpGet().getPort().getIntVal()).isEqualTo(8022);
    assertThat(user.getResources().getLimits().get("memory").toString()).isEqualTo("128Mi");
    assertThat(env(user))
        .containsEntry("TARGET", "World")
        .containsEntry("PORT", "8081")
        .containsEntry("K_SERVICE", "hello")
        .containsEntry("K_CONFIGURATION", "hello")
        .containsEntry("K_REVISION", "hello-00001");

    Container queue = pod.getContainers().get(1);
    assertThat(queue.getImage()).isEqualTo("ghcr.io/coldbrew/coldbrew:0.1.0");
    assertThat(queue.getArgs()).containsExactly("queue");
    assertThat(queue.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactlyInAnyOrder(
            "queue-port:8012",
            "queue-admin:8022",
            "https-port:8112",
            "http-autometric:9090",
            "http-usermetric:9091");
    assertThat(queue.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(8012);
    assertThat(queue.getReadinessProbe().getHttpGet().getHttpHeaders())
        .singleElement()
        .satisfies(
            h -> assertThat(h.getName() + "=" + h.getValue()).isEqualTo("K-Network-Probe=queue"));
    assertThat(queue.getReadinessProbe().getPeriodSeconds()).isEqualTo(2);
    assertThat(env(queue))
        .containsEntry("SERVING_NAMESPACE", "default")
        .containsEntry("SERVING_SERVICE", "hello")
        .containsEntry("SERVING_CONFIGURATION", "hello")
        .containsEntry("SERVING_REVISION", "hello-00001")
        .containsEntry("QUEUE_SERVING_PORT", "8012")
        .containsEntry("CONTAINER_CONCURRENCY", "10")
        .containsEntry("REVISION_TIMEOUT_SECONDS", "300")
        .containsEntry("REVISION_RESPONSE_START_TIMEOUT_SECONDS", "60")
        .containsEntry("USER_PORT", "8081")
        .containsEntry("SYSTEM_NAMESPACE", "coldbrew-system");
    assertThat(env(queue).get("SERVING_READINESS_PROBE"))
        .contains("\"path\":\"/healthz\"", "\"port\":8081", "\"host\":\"127.0.0.1\"");
    assertThat(queue.getEnv())
        .filteredOn(e -> e.getName().equals("SERVING_POD_IP"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                    .isEqualTo("status.podIP"));
  }

  @Test
  void h2cRevisionsServeOn8013AndNoProbeMeansTcp() {
    Revision rev = Samples.revision();
    rev.spec.container().ports.get(0).name = "h2c";
    rev.spec.container().readinessProbe = null;
    rev.metadata.annotations.remove("autoscaling.knative.dev/initial-scale");

    Deployment d = RevisionDeployment.render(rev, OPTIONS);

    Container queue = d.getSpec().getTemplate().getSpec().getContainers().get(1);
    assertThat(env(queue)).containsEntry("QUEUE_SERVING_PORT", "8013");
    assertThat(env(queue).get("SERVING_READINESS_PROBE"))
        .contains("\"tcpSocket\"", "\"port\":8081");
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void unstoredRevisionsAndBadOptionsAreRefused() {
    Revision rev = Samples.revision();
    rev.metadata.uid = null;
    assertThatThrownBy(() -> RevisionDeployment.render(rev, OPTIONS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Revision default/hello-00001");
    assertThatThrownBy(() -> RevisionDeployment.Options.defaults(" "))
        .hasMessageContaining("queueImage");
    assertThatThrownBy(
            () -> new RevisionDeployment.Options("img", "ns", -1, java.time.Duration.ZERO))
        .hasMessageContaining("initialScale: -1");
  }

  @Test
  void servicesMatchGolden() throws Exception {
    ServerlessService sks = Samples.sks(SksMode.PROXY, 2);
    Revision rev = Samples.revision();
    Service pub = RevisionServices.publicService(sks);
    Service priv = RevisionServices.privateService(sks, RevisionDeployment.selector(rev));

    Golden.assertGolden("hello-00001-services.yaml", YAML.asYaml(pub) + YAML.asYaml(priv));
    assertThat(pub.getSpec().getSelector()).isNullOrEmpty();
    assertThat(pub.getSpec().getPorts())
        .extracting(p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getIntVal())
        .containsExactly("http:80->8012", "https:443->8112");
    assertThat(priv.getMetadata().getName()).isEqualTo("hello-00001-private");
    assertThat(priv.getSpec().getSelector())
        .containsExactly(
            Map.entry("serving.knative.dev/revisionUID", "5f8c3a5e-0d0e-4b8a-9a55-1f1b6c2f7a01"));
    assertThat(priv.getMetadata().getLabels())
        .containsEntry("networking.internal.knative.dev/serviceType", "Private");
    assertThat(pub.getMetadata().getOwnerReferences().get(0).getApiVersion())
        .isEqualTo("networking.internal.coldbrew.dev/v1alpha1");
    assertThatThrownBy(() -> RevisionServices.privateService(sks, Map.of()))
        .hasMessageContaining("default/hello-00001");
  }

  @Test
  void proxyModeListsTheActivatorsSubset() throws Exception {
    ServerlessService sks = Samples.sks(SksMode.PROXY, 2);
    var activators =
        List.of(
            Samples.slice(
                "coldbrew-system",
                "activator-service",
                List.of("127.0.1.1", "127.0.1.2", "127.0.1.3"),
                true));
    var pods = List.of(Samples.slice("default", "hello-00001-private", List.of("127.0.0.2"), true));

    PublicEndpointSlices.Result r = PublicEndpointSlices.render(sks, activators, pods);

    assertThat(r.mode()).isEqualTo(SksMode.PROXY);
    assertThat(r.addresses())
        .hasSize(2)
        .isSubsetOf("127.0.1.1", "127.0.1.2", "127.0.1.3")
        .containsExactlyElementsOf(
            ActivatorSubset.choose(
                java.util.Set.of("127.0.1.1", "127.0.1.2", "127.0.1.3"), 2, "hello-00001"));
    Golden.assertGolden("hello-00001-slices-proxy.yaml", yaml(r.slices()));
    EndpointSlice s = r.slices().get(0);
    assertThat(s.getMetadata().getName()).isEqualTo("hello-00001-ipv4-0");
    assertThat(s.getMetadata().getLabels())
        .containsEntry("kubernetes.io/service-name", "hello-00001")
        .containsEntry("endpointslice.kubernetes.io/managed-by", "sks.coldbrew.dev");
    assertThat(s.getPorts())
        .extracting(p -> p.getName() + ":" + p.getPort())
        .containsExactly("http:8012", "https:8112");

    sks.spec.numActivators = 0;
    assertThat(PublicEndpointSlices.render(sks, activators, pods).addresses()).hasSize(3);
  }

  @Test
  void serveModeListsExactlyTheReadyPods() throws Exception {
    ServerlessService sks = Samples.sks(SksMode.SERVE, 2);
    var activators =
        List.of(Samples.slice("coldbrew-system", "activator-service", List.of("127.0.1.1"), true));
    var pods =
        List.of(
            Samples.slice(
                "default", "hello-00001-private", List.of("127.0.0.2", "127.0.0.3"), true),
            Samples.slice("default", "hello-00001-private", List.of("127.0.0.4"), false),
            // the same pod seen in a second slice while the controller moves it
            Samples.slice("default", "hello-00001-private", List.of("127.0.0.3"), true));

    PublicEndpointSlices.Result r = PublicEndpointSlices.render(sks, activators, pods);

    assertThat(r.mode()).isEqualTo(SksMode.SERVE);
    assertThat(r.readyPods()).isEqualTo(2);
    assertThat(r.addresses()).containsExactly("127.0.0.2", "127.0.0.3");
    Golden.assertGolden("hello-00001-slices-serve.yaml", yaml(r.slices()));
    var legacy = r.endpoints();
    assertThat(legacy.getMetadata().getLabels())
        .containsEntry("endpointslice.kubernetes.io/skip-mirror", "true");
    assertThat(legacy.getSubsets().get(0).getAddresses())
        .extracting(a -> a.getIp())
        .containsExactly("127.0.0.2", "127.0.0.3");
  }

  @Test
  void noReadyPodForcesProxyAndNoActivatorForcesServe() {
    var activators =
        List.of(Samples.slice("coldbrew-system", "activator-service", List.of("127.0.1.1"), true));
    var notReady =
        List.of(Samples.slice("default", "hello-00001-private", List.of("127.0.0.2"), false));
    var ready =
        List.of(Samples.slice("default", "hello-00001-private", List.of("127.0.0.2"), true));

    var serveButNoPods =
        PublicEndpointSlices.render(Samples.sks(SksMode.SERVE, 2), activators, notReady);
    assertThat(serveButNoPods.mode()).isEqualTo(SksMode.PROXY);
    assertThat(serveButNoPods.addresses()).containsExactly("127.0.1.1");

    var proxyButNoActivators =
        PublicEndpointSlices.render(Samples.sks(SksMode.PROXY, 2), List.of(), ready);
    assertThat(proxyButNoActivators.mode()).isEqualTo(SksMode.SERVE);
    assertThat(proxyButNoActivators.addresses()).containsExactly("127.0.0.2");

    var nothing = PublicEndpointSlices.render(Samples.sks(SksMode.PROXY, 2), List.of(), notReady);
    assertThat(nothing.slices())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getMetadata().getName()).isEqualTo("hello-00001-ipv4-0");
              assertThat(s.getEndpoints()).isEmpty();
            });
  }

  @Test
  void moreThanAHundredAddressesMakeASecondSlice() {
    var pods = List.of(Samples.slice("default", "hello-00001-private", Samples.ips(0, 150), true));
    var activators =
        List.of(Samples.slice("coldbrew-system", "activator-service", List.of("127.0.1.1"), true));

    var r = PublicEndpointSlices.render(Samples.sks(SksMode.SERVE, 2), activators, pods);

    assertThat(r.slices())
        .extracting(s -> s.getMetadata().getName() + "=" + s.getEndpoints().size())
        .containsExactly("hello-00001-ipv4-0=100", "hello-00001-ipv4-1=50");
    assertThat(r.addresses()).hasSize(150).doesNotHaveDuplicates();

    var hundred =
        PublicEndpointSlices.render(
            Samples.sks(SksMode.SERVE, 2),
            activators,
            List.of(Samples.slice("default", "hello-00001-private", Samples.ips(0, 100), true)));
    assertThat(hundred.slices()).hasSize(1);
  }

  @Test
  void ipv6AddressesGetTheirOwnSlice() {
    var pods =
        List.of(
            Samples.slice("default", "hello-00001-private", List.of("127.0.0.2", "fd00::2"), true));
    var activators =
        List.of(Samples.slice("coldbrew-system", "activator-service", List.of("127.0.1.1"), true));

    var r = PublicEndpointSlices.render(Samples.sks(SksMode.SERVE, 2), activators, pods);

    assertThat(r.slices())
        .extracting(s -> s.getMetadata().getName() + " " + s.getAddressType())
        .containsExactly("hello-00001-ipv4-0 IPv4", "hello-00001-ipv6-0 IPv6");
  }

  private static String yaml(List<?> objects) {
    StringBuilder sb = new StringBuilder();
    objects.forEach(o -> sb.append(YAML.asYaml(o)));
    return sb.toString();
  }
}
