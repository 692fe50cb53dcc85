#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cli_ripley.sh - the "ripley" group of the fastio CLI (AI chat, api §8, §11) against a real
# fastio-server with no model (extractive answers): ask with attachments and with the index
# (whole workspace), the readable answer with numbered sources and the JSON shape, --no-wait,
# follow-ups, chat-list/-details/-update/-publish/-delete/-cancel, message-list/-details,
# transactions, the "ai" alias, usage errors and a refused question. Prints "N passed, N failed".
source "$(dirname "$0")/lib.sh"
start_server

fio --format json org create "Ripley Org" --domain ripley-org
ORG=$(printf '%s' "$OUT" | jq -r .org.id)
fio --format json workspace create "Ripley WS" --org "$ORG" --folder-name ripley-ws --intelligence false
expect_rc 0 "workspace create"
cat > "$T_HOME/policy.md" <<'DOC'
# Refund policy

Enterprise customers can request a full refund within thirty days of purchase.
Refunds are paid back to the original card in five business days.

## Shipping

Orders ship from Lisbon every weekday. International shipping takes two weeks.
DOC
fio upload file --workspace ripley-ws "$T_HOME/policy.md"
expect_rc 0 "upload the policy"
fio --format json files info --workspace ripley-ws /policy.md
NODE=$(printf "%s" "$OUT" | jq -r .nodes[0].id)
VER=$(printf "%s" "$OUT" | jq -r .nodes[0].version)

fio ripley --help; expect_rc 0 "ripley group help"
expect_out_contains "chat-create" "help lists chat-create"
fio ripley ask --help; expect_out_contains "--no-wait" "ask help documents --no-wait"
fio ripley ask "no workspace"; expect_rc 2 "ask without --workspace is a usage error"
fio ripley ask --workspace ripley-ws --files-attach ",," "q?"; expect_rc 2 "an empty id list is a usage error"
fio ripley ask --workspace ripley-ws --privacy secret --files-attach "$NODE" "Refund days?"
expect_rc 2 "a bad privacy is a usage error"

# readable: the answer, then numbered sources with file name and snippet
fio --format table ripley ask --workspace ripley-ws --files-attach "$NODE" "How many days do enterprise customers have for a refund?"
expect_rc 0 "ask (readable)"
expect_out_contains "thirty days" "the answer quotes the passage"
expect_out_contains "[1]" "the answer carries its citation marker"
expect_out_contains "Sources:" "the sources follow"
expect_out_contains "[1] policy.md" "source 1 names the file"

# JSON: the official ask shape
fio --format json ripley ask --workspace ripley-ws --files-attach "$NODE" --privacy private "Where do orders ship from?"
expect_rc 0 "ask (json)"
expect_jq '.state' complete "state complete"
expect_jq '.citations[0].nodeId' "$NODE" "citation nodeId is the file"
expect_jq '.citations[0].versionId' "$VER" "citation versionId is its version"
expect_jq '.citations[0].entries[0].page' 0 "not paged: page 0"
CHAT=$(printf '%s' "$OUT" | jq -r .chat_id)
MSG=$(printf '%s' "$OUT" | jq -r .message_id)
[[ "$(printf '%s' "$OUT" | jq -r .response)" == *Lisbon* ]] && ok "response names Lisbon" || bad "response names Lisbon"

# paths name files as well as ids (D-085)
fio --format json ripley ask --workspace ripley-ws --files-attach /policy.md "Where do orders ship from?"
expect_rc 0 "ask with an attachment given by path"
expect_jq '.citations[0].nodeId' "$NODE" "the path resolved to the file"
fio ripley ask --workspace ripley-ws --files-attach /no-such.md "Where do orders ship from?"
expect_rc 1 "an attachment path that does not exist fails"

# the alias and a follow-up that waits
fio --format json ai message-send --workspace ripley-ws --chat-id "$CHAT" "How long does international shipping take?"
expect_rc 0 "message-send through the ai alias"
[[ "$(printf '%s' "$OUT" | jq -r .response)" == *"two weeks"* ]] && ok "follow-up answered from the chat's attachment" || bad "follow-up answered from the chat's attachment"

# --no-wait
fio --format json ripley ask --workspace ripley-ws --files-attach "$NODE" --no-wait "When are refunds paid?"
expect_rc 0 "ask --no-wait"
expect_jq '.state' processing "--no-wait says processing"
C2=$(printf '%s' "$OUT" | jq -r .chat_id)
M2=$(printf '%s' "$OUT" | jq -r .message_id)
for _ in $(seq 1 200); do
    fio --format json ripley message-details --workspace ripley-ws "$C2" "$M2"
    [ "$(printf '%s' "$OUT" | jq -r .message.state)" = complete ] && break
    sleep 0.05
done
expect_jq '.message.state' complete "message-details shows the answer"

fio --format json ripley message-list --workspace ripley-ws "$CHAT"
expect_jq '.messages | length' 2 "message-list: two messages"
fio --format json ripley chat-details --workspace ripley-ws "$CHAT"
expect_jq '.chat.privacy' private "chat-details: private"
fio --format json ripley chat-update --workspace ripley-ws "$CHAT" --name "Shipping questions"
expect_jq '.chat.name' "Shipping questions" "chat-update renames"
fio --format json ripley chat-publish --workspace ripley-ws "$CHAT"
expect_jq '.chat.privacy' public "chat-publish makes it public"
fio --format json ripley chat-cancel --workspace ripley-ws "$CHAT"
expect_rc 0 "chat-cancel"
expect_jq '.no_pending_message' true "nothing to cancel"
fio --format json ripley chat-create --workspace ripley-ws --subjects "[{\"type\":\"file\",\"id\":\"$NODE\"}]" "Refund card?"
expect_rc 0 "chat-create"
[ -n "$(printf '%s' "$OUT" | jq -r .turn.turn_id)" ] && ok "chat-create prints the turn" || bad "chat-create prints the turn"
fio --format json ripley chat-list --workspace ripley-ws --kind all
expect_rc 0 "chat-list"
expect_jq '.chats | length' 5 "five chats (four asks and one chat-create)"
fio ripley chat-delete --workspace ripley-ws "$CHAT"; expect_rc 0 "chat-delete"
fio --format json ripley chat-list --workspace ripley-ws --deleted
expect_jq '.chats[0].id' "$CHAT" "chat-list --deleted shows it"
fio --format json ripley transactions --workspace ripley-ws
expect_rc 0 "transactions"
[ "$(printf '%s' "$OUT" | jq '.transactions | length')" -ge 3 ] && ok "one transaction per answer" || bad "one transaction per answer"

# refused by the server: no scope while intelligence is off (exit 1, the reason shown)
fio ripley ask --workspace ripley-ws "What is the refund policy?"
expect_rc 1 "whole-workspace ask with intelligence off fails"
expect_err_contains "ntelligence" "the error says why"

# the whole workspace through the index
fio workspace update ripley-ws --intelligence true
expect_rc 0 "intelligence on"
for _ in $(seq 1 300); do
    fio --format json files info --workspace ripley-ws /policy.md
    [ "$(printf "%s" "$OUT" | jq -r .nodes[0].ai.state)" = indexed ] && break
    sleep 0.05
done
fio --format json ripley ask --workspace ripley-ws "Where do orders ship from?"
expect_rc 0 "ask the whole workspace"
expect_jq '.citations[0].nodeId' "$NODE" "the index answer cites the file"
fio --format json ripley search --workspace ripley-ws refund
expect_rc 0 "ripley search (the storage search)"
[ "$(printf '%s' "$OUT" | jq -r --arg n "$NODE" '.files[$n] != null')" = true ] && ok "search finds the file" || bad "search finds the file"

finish
