package dev.coldbrew.kubernetes;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.List;

/** Resources as the reconcilers store them, for the renderers' tests. */
final class Samples {
  private Samples() {}

  /** Revision {@code hello-00001} of Knative's hello sample, defaulted and stored. */
  static Revision revision() {
    return (Revision)
        ResourceCodec.decodeOne(
            """
            apiVersion: serving.knative.dev/v1
            kind: Revision
            metadata:
              name: hello-00001
              namespace: default
              uid: 5f8c3a5e-0d0e-4b8a-9a55-1f1b6c2f7a01
              generation: 1
              resourceVersion: "7"
              creationTimestamp: "2026-01-02T03:04:05Z"
              labels:
                serving.knative.dev/configuration: hello
                serving.knative.dev/configurationUID: 9d5d5f4e-3a4b-4c1e-8a0a-2b7c1c0f0b02
                serving.knative.dev/configurationGeneration: "1"
                serving.knative.dev/service: hello
                serving.knative.dev/serviceUID: 0b9e2c6d-1c1f-4a33-9b2a-7e4d2f3a9c03
                serving.knative.dev/routingState: active
                serving.knative.dev/route: hello
              annotations:
                autoscaling.knative.dev/min-scale: "1"
                autoscaling.knative.dev/initial-scale: "2"
                serving.knative.dev/routes: hello
                team: payments
              ownerReferences:
              - apiVersion: serving.knative.dev/v1
                kind: Configuration
                name: hello
                uid: 9d5d5f4e-3a4b-4c1e-8a0a-2b7c1c0f0b02
                controller: true
                blockOwnerDeletion: true
            spec:
              containerConcurrency: 10
              timeoutSeconds: 300
              responseStartTimeoutSeconds: 60
              containers:
              - image: ghcr.io/knative/helloworld-go:latest
                ports:
                - containerPort: 8081
                env:
                - name: TARGET
                  value: World
                resources:
                  requests:
                    cpu: 100m
                    memory: 64Mi
                  limits:
                    memory: 128Mi
                readinessProbe:
                  httpGet:
                    path: /healthz
                  periodSeconds: 2
                  successThreshold: 1
                livenessProbe:
                  tcpSocket: {}
                  initialDelaySeconds: 3
            """);
  }

  /** The ServerlessService the Revision reconciler makes for {@link #revision()}. */
  static ServerlessService sks(SksMode mode, int numActivators) {
    ServerlessService sks =
        (ServerlessService)
            ResourceCodec.decodeOne(
                """
                apiVersion: networking.internal.knative.dev/v1alpha1
                kind: ServerlessService
                metadata:
                  name: hello-00001
                  namespace: default
                  uid: 3c2b1a09-8f7e-4d6c-b5a4-938271605f04
                  labels:
                    serving.knative.dev/configuration: hello
                    serving.knative.dev/service: hello
                    serving.knative.dev/revision: hello-00001
                    serving.knative.dev/revisionUID: 5f8c3a5e-0d0e-4b8a-9a55-1f1b6c2f7a01
                    networking.internal.knative.dev/serverlessservice: hello-00001
                  ownerReferences:
                  - apiVersion: serving.knative.dev/v1
                    kind: Revision
                    name: hello-00001
                    uid: 5f8c3a5e-0d0e-4b8a-9a55-1f1b6c2f7a01
                    controller: true
                    blockOwnerDeletion: true
                spec:
                  mode: Proxy
                  numActivators: 2
                  protocolType: http1
                  objectRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: hello-00001-deployment
                """);
    sks.spec.mode = mode;
    sks.spec.numActivators = numActivators;
    return sks;
  }

  /** A slice of {@code service} in {@code namespace} with these addresses and readiness. */
  static EndpointSlice slice(String namespace, String service, List<String> ips, boolean ready) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (String ip : ips) {
      endpoints.add(
          new EndpointBuilder()
              .withAddresses(ip)
              .withNewConditions()
              .withReady(ready)
              .endConditions()
              .withNodeName("node-1")
              .withTargetRef(
                  new ObjectReferenceBuilder()
                      .withKind("Pod")
                      .withNamespace(namespace)
                      .withName(service + "-" + ip.replace('.', '-'))
                      .build())
              .build());
    }
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(service + "-abcde")
        .withNamespace(namespace)
        .addToLabels("kubernetes.io/service-name", service)
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(endpoints)
        .build();
  }

  /** {@code count} addresses from 127.0.{third}.{1...}. */
  static List<String> ips(int third, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      out.add("127.0." + (third + (i - 1) / 250) + "." + (1 + (i - 1) % 250));
    }
    return out;
  }
}
