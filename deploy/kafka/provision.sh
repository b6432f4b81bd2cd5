#!/usr/bin/env bash
# Generated from devstack BusLayout (a test compares): the event bus's topics and ACLs.
# Run with Kafka's tools on the PATH (the apache/kafka image: /opt/kafka/bin), as the super user:
#   BOOTSTRAP=kafka:9094 ADMIN_CONFIG=/etc/kafka/admin.properties REPLICATION_FACTOR=3 provision.sh
# ADMIN_CONFIG holds the super user's client settings (SASL/PLAIN on the inter-broker listener).
set -euo pipefail
BIN="${KAFKA_BIN:-/opt/kafka/bin}"
RF="${REPLICATION_FACTOR:-1}"
topic() { "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --create --if-not-exists --replication-factor "$RF" "$@"; }
acl() { "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" --add "$@"; }
topic --topic gallery.catalog.v1 --partitions 3
topic --topic gallery.replication.v1 --partitions 3
topic --topic gallery.access.v1 --partitions 3 --config cleanup.policy=compact
topic --topic gallery.audit.v1 --partitions 3
topic --topic gallery.billing.v1 --partitions 3
topic --topic gallery.billing.dlq.v1 --partitions 3
acl --allow-principal 'User:platform/catalog-service' --operation Write --topic gallery.catalog.v1
acl --allow-principal 'User:platform/catalog-service' --operation Write --topic gallery.audit.v1
acl --allow-principal 'User:platform/catalog-service' --operation Read --topic gallery.replication.v1
acl --allow-principal 'User:platform/catalog-service' --operation Read --topic gallery.access.v1
acl --allow-principal 'User:platform/catalog-service' --operation Read --group catalog-service- --resource-pattern-type prefixed
acl --allow-principal 'User:platform/replication-service' --operation Write --topic gallery.replication.v1
acl --allow-principal 'User:platform/replication-service' --operation Write --topic gallery.audit.v1
acl --allow-principal 'User:platform/replication-service' --operation Read --topic gallery.catalog.v1
acl --allow-principal 'User:platform/replication-service' --operation Read --topic gallery.access.v1
acl --allow-principal 'User:platform/replication-service' --operation Read --group replication-service- --resource-pattern-type prefixed
acl --allow-principal 'User:platform/access-service' --operation Write --topic gallery.access.v1
acl --allow-principal 'User:platform/access-service' --operation Write --topic gallery.audit.v1
acl --allow-principal 'User:platform/access-service' --operation Read --topic gallery.catalog.v1
acl --allow-principal 'User:platform/access-service' --operation Read --topic gallery.access.v1
acl --allow-principal 'User:platform/access-service' --operation Read --topic gallery.audit.v1
acl --allow-principal 'User:platform/access-service' --operation Read --topic gallery.replication.v1
acl --allow-principal 'User:platform/access-service' --operation Read --group access-service- --resource-pattern-type prefixed
acl --allow-principal 'User:platform/billing-service' --operation Write --topic gallery.billing.v1
acl --allow-principal 'User:platform/billing-service' --operation Write --topic gallery.billing.dlq.v1
acl --allow-principal 'User:platform/billing-service' --operation Write --topic gallery.audit.v1
acl --allow-principal 'User:platform/billing-service' --operation Read --topic gallery.catalog.v1
acl --allow-principal 'User:platform/billing-service' --operation Read --topic gallery.replication.v1
acl --allow-principal 'User:platform/billing-service' --operation Read --topic gallery.access.v1
acl --allow-principal 'User:platform/billing-service' --operation Read --group billing-service- --resource-pattern-type prefixed
acl --allow-principal 'User:platform/access-service' --operation Write --topic gallery.public. --resource-pattern-type prefixed
acl --allow-principal 'User:platform/access-service' --operation Create --topic gallery.public. --resource-pattern-type prefixed
acl --allow-principal 'User:platform/access-service' --operation Alter --cluster
acl --allow-principal 'User:platform/access-service' --operation Describe --cluster
