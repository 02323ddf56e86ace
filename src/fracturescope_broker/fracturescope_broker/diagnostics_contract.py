"""The embedded MQTT broker's /diagnostics (see fracturescope_common.diagnostics_contract): every key it publishes."""

from fracturescope_common.diagnostics_contract import NodeContract, count, flag, text

URL = text('url')                                    # mqtt(s)://host:port it listens on (the port it got for 0)
TLS = flag('tls')                                    # True: clients connect over TLS
CLIENTS = count('clients_connected')                 # MQTT clients connected now
ACCEPTED = count('connections_accepted')             # connections accepted since start
RECEIVED = count('messages_received')                # application messages published by clients
SENT = count('messages_sent')                        # PUBLISH packets delivered to subscribers (resent ones included)

REFUSED = count('connections_refused')               # refused: credentials, protocol version (MQTT 5), client id

EMBEDDED_BROKER = NodeContract(
    'embedded_broker',
    values=(URL, TLS, CLIENTS, ACCEPTED, RECEIVED, SENT),
    counters=(REFUSED,),
)
