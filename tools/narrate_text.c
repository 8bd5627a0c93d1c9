/* narrate_text.c — the narration of `weir demo` in English and Chinese: one row per message id
 * with both languages side by side, the drop reasons in Chinese, and the "{name}" template
 * expander. Corrections of common study-note mistakes (the ✎ lines) are here too. */
#include "narrate_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct text_row {
    weir_cli_msg id;
    const char *en;
    const char *zh;
} text_row;

/* clang-format off */
static const text_row k_rows[] = {
    {WEIR_MSG_TITLE,
     "weir demo — one HTTP request over TCP, narrated segment by segment",
     "weir 演示 —— 一次 HTTP 请求的 TCP 全过程，逐个报文段讲解"},
    {WEIR_MSG_INTRO_LINK,
     "The browser ({bip}) and the server ({sip}) are two TCP/IP stacks in this one process, joined "
     "by an in-memory link with {delay} ms of delay each way. Time is virtual: the run costs no "
     "real time.",
     "浏览器（{bip}）和服务器（{sip}）是同一个进程里的两个 TCP/IP 协议栈，由一条内存链路相连，"
     "单程延迟 {delay} 毫秒。时间是虚拟的：运行不花真实的时间。"},
    {WEIR_MSG_INTRO_FAULTS,
     "The link is lossy: in each direction {loss} of the frames are lost, {dup} duplicated and "
     "{corrupt} corrupted (seed {seed}).",
     "链路不可靠：每个方向上有 {loss} 的帧丢失、{dup} 的帧重复、{corrupt} 的帧损坏"
     "（随机种子 {seed}）。"},
    {WEIR_MSG_INTRO_NO_FAULTS,
     "The link is perfect: nothing is lost (try --loss 0.2 --seed 3 to see retransmissions).",
     "链路是完美的：不会丢包（试试 --loss 0.2 --seed 3 来观察重传）。"},
    {WEIR_MSG_INTRO_MSL,
     "MSL (maximum segment lifetime) is {msl} s of virtual time here, so TIME-WAIT (2·MSL) lasts "
     "{tw} s; weir's real default is MSL = 30 s (RFC 793 suggested 2 minutes).",
     "这里 MSL（报文段最大生存时间）取虚拟时间 {msl} 秒，所以 TIME-WAIT（2·MSL）持续 {tw} 秒；"
     "weir 真实的默认值是 MSL = 30 秒（RFC 793 建议 2 分钟）。"},
    {WEIR_MSG_INTRO_REL,
     "seq and ack are relative to each side's initial sequence number (ISN), as Wireshark shows "
     "them; \"abs\" is the 32-bit number on the wire. Lines marked ✎ correct common mistakes of "
     "study notes.",
     "seq 和 ack 显示为相对于各自初始序号（ISN）的相对值，与 Wireshark 一致；“abs” 是线路上真实的 "
     "32 位数值。标有 ✎ 的行纠正学习笔记里常见的错误。"},
    {WEIR_MSG_COL_TIME, "time (ms)", "时间(毫秒)"},
    {WEIR_MSG_BROWSER, "browser", "浏览器"},
    {WEIR_MSG_SERVER, "server", "服务器"},

    {WEIR_MSG_ARROW_BYTES, "{n} bytes", "{n} 字节"},
    {WEIR_MSG_ARROW_RETRANS, "retransmission", "重传"},
    {WEIR_MSG_LBL_OPTIONS, "options:", "选项："},
    {WEIR_MSG_LBL_NONE, "none", "无"},

    {WEIR_MSG_SEG_SYN,
     "Handshake 1/3: the {who} asks to open a connection and picks its initial sequence number "
     "x = {abs}. A SYN carries no data but consumes one sequence number, so the {who}'s first "
     "data byte will be x+1 (relative 1).",
     "握手 1/3：{who}请求建立连接，并选定自己的初始序号 x = {abs}。SYN 不携带数据，但占用一个序号，"
     "所以{who}的第一个数据字节将是 x+1（相对值 1）。"},
    {WEIR_MSG_SEG_SYN_ACK,
     "Handshake 2/3: the {who} agrees (SYN) and acknowledges (ACK): ack = x+1 (relative {ack}) "
     "because the {peer}'s SYN consumed one number. It picks its own ISN y = {abs}; its SYN "
     "consumes one number too.",
     "握手 2/3：{who}同意建立连接（SYN）并确认（ACK）：ack = x+1（相对值 {ack}），因为{peer}的 SYN "
     "占用了一个序号。它也选定自己的初始序号 y = {abs}，这个 SYN 同样占用一个序号。"},
    {WEIR_MSG_SEG_HANDSHAKE_ACK,
     "Handshake 3/3: ack = y+1 (relative {ack}) acknowledges the {peer}'s SYN. seq = x+1 "
     "(relative {seq}), not x: the SYN used x. This bare ACK consumes no number, so the next data "
     "byte is also seq {seq}.",
     "握手 3/3：ack = y+1（相对值 {ack}）确认{peer}的 SYN。seq = x+1（相对值 {seq}）而不是 x："
     "x 已经被 SYN 用掉了。这个纯 ACK 不占用序号，所以下一个数据字节的 seq 仍是 {seq}。"},
    {WEIR_MSG_SEG_HANDSHAKE_DATA,
     "Handshake 3/3 with data: ack = y+1 (relative {ack}) acknowledges the {peer}'s SYN, and "
     "{len} bytes of data already ride along from seq = x+1 (relative {seq}).",
     "握手 3/3 并携带数据：ack = y+1（相对值 {ack}）确认{peer}的 SYN，同时从 seq = x+1（相对值 "
     "{seq}）开始捎带了 {len} 字节数据。"},
    {WEIR_MSG_SEG_DATA_REQUEST,
     "Data: the HTTP request, {len} bytes (bytes {from}–{to}). Data consumes one sequence number "
     "per byte, so the {peer} will answer ack = seq+len = {next}.",
     "数据：HTTP 请求，共 {len} 字节（第 {from}–{to} 字节）。数据每个字节占用一个序号，"
     "所以{peer}会回复 ack = seq+len = {next}。"},
    {WEIR_MSG_SEG_DATA_PAGE,
     "Data: {len} bytes of the HTTP response (bytes {from}–{to}). Acknowledging them takes "
     "ack = seq+len = {next} — or more, when one ACK covers several segments.",
     "数据：HTTP 响应中的 {len} 字节（第 {from}–{to} 字节）。确认它们需要 ack = seq+len = {next}"
     "——如果一个 ACK 同时确认多个报文段，ack 会更大。"},
    {WEIR_MSG_SEG_DATA_PIGGYBACK,
     "Its ack = {ack} also acknowledges the {peer}'s data in the same segment (a piggybacked "
     "ACK).",
     "它的 ack = {ack} 顺带确认了{peer}发来的数据（捎带确认）。"},
    {WEIR_MSG_SEG_ACK_DATA,
     "ACK: \"I have every byte before {ack}\" — ack = seq+len of the data received "
     "({pseq}+{plen} = {ack}). A bare ACK consumes no sequence number, so its seq stays {seq}.",
     "ACK：“{ack} 之前的字节我都收到了”——ack = 收到的数据的 seq+len（{pseq}+{plen} = {ack}）。"
     "纯 ACK 不占用序号，所以它的 seq 仍是 {seq}。"},
    {WEIR_MSG_SEG_ACK_CUMULATIVE,
     "ACK: \"I have every byte before {ack}\" — one cumulative ACK covers several segments. A bare "
     "ACK consumes no sequence number, so its seq stays {seq}.",
     "ACK：“{ack} 之前的字节我都收到了”——一个累计确认覆盖了多个报文段。纯 ACK 不占用序号，"
     "所以它的 seq 仍是 {seq}。"},
    {WEIR_MSG_SEG_DUP_ACK,
     "Duplicate ACK: ack = {ack} again. A segment arrived out of order or twice and the {who} "
     "still waits for byte {ack}; repeated duplicate ACKs tell the sender something is missing.",
     "重复 ACK：又一次 ack = {ack}。有报文段乱序或重复到达，{who}仍在等待第 {ack} 字节；"
     "连续的重复 ACK 告诉发送方有数据丢失了。"},
    {WEIR_MSG_SEG_WINDOW_UPDATE,
     "Window update: nothing new is acknowledged; the {who} announces it can now take {win} bytes.",
     "窗口更新：没有确认新的数据；{who}通告它现在能接收 {win} 字节。"},
    {WEIR_MSG_SEG_FIN_FIRST,
     "Close 1/4: FIN — the {who} has nothing more to send (its application called close). Like a "
     "SYN, a FIN consumes one sequence number (seq {seq}), so its ACK will be ack = {next}.",
     "挥手 1/4：FIN——{who}没有更多数据要发送了（它的应用调用了 close）。和 SYN 一样，FIN 占用一个"
     "序号（seq {seq}），所以对它的确认是 ack = {next}。"},
    {WEIR_MSG_SEG_FIN_FIRST_DATA,
     "Close 1/4 with data: the last {len} bytes and the FIN travel together; the FIN takes the "
     "number after the data, so the ACK will be ack = seq+len+1 = {next}.",
     "挥手 1/4 并携带数据：最后 {len} 字节和 FIN 一起发送；FIN 占用数据之后的那个序号，"
     "所以确认号是 "
     "ack = seq+len+1 = {next}。"},
    {WEIR_MSG_SEG_ACK_OF_FIN,
     "Close 2/4: the {who} acknowledges the FIN: ack = FIN's seq + 1 = {ack}. Its application has "
     "not closed yet (CLOSE-WAIT), so its own FIN follows later, in a separate segment.",
     "挥手 2/4：{who}确认对方的 FIN：ack = FIN 的 seq + 1 = {ack}。它的应用还没有关闭"
     "（CLOSE-WAIT），所以它自己的 FIN 稍后单独发送。"},
    {WEIR_MSG_SEG_FIN_SECOND,
     "Close 3/4: the {who}'s application has closed too, so it sends its own FIN (seq {seq}, "
     "consuming one number). ack = {ack} is unchanged: nothing new arrived.",
     "挥手 3/4：{who}的应用也关闭了，于是发送自己的 FIN（seq {seq}，占用一个序号）。"
     "ack = {ack} 没有变：没有收到新的东西。"},
    {WEIR_MSG_SEG_FIN_ACK_COMBINED,
     "FIN+ACK: the {who} acknowledges the FIN (ack = {ack}) and closes in the same segment, "
     "because its application closed at once — the close takes three segments instead of four.",
     "FIN+ACK：{who}确认对方的 FIN（ack = {ack}），并在同一个报文段里关闭，因为它的应用立刻就关闭"
     "了——挥手只用了三个报文段而不是四个。"},
    {WEIR_MSG_SEG_LAST_ACK,
     "Close 4/4: ack = FIN's seq + 1 = {ack}; seq {seq} is the {who}'s own number, unchanged "
     "because a bare ACK consumes nothing. The {who} now waits in TIME-WAIT; the {peer} closes "
     "when this arrives.",
     "挥手 4/4：ack = FIN 的 seq + 1 = {ack}；seq {seq} 是{who}自己的序号，纯 ACK 不占用序号所以"
     "不变。{who}进入 TIME-WAIT 等待；{peer}收到它后就关闭。"},
    {WEIR_MSG_SEG_LAST_ACK_AGAIN,
     "The {peer}'s FIN came again, so the {who} acknowledges it again (the same ack = {ack}) and "
     "restarts TIME-WAIT — exactly the case TIME-WAIT exists for.",
     "{peer}的 FIN 又来了，所以{who}再次确认它（同样是 ack = {ack}），并重新开始 TIME-WAIT 计时"
     "——这正是 TIME-WAIT 存在的原因。"},
    {WEIR_MSG_SEG_ACK_SIMULTANEOUS,
     "The {who} acknowledges the {peer}'s FIN while its own FIN is not acknowledged yet: both "
     "sides are closing at once (CLOSING).",
     "{who}确认{peer}的 FIN，而它自己的 FIN 还没有被确认：双方在同时关闭（CLOSING）。"},
    {WEIR_MSG_SEG_RST,
     "RST: the {who} resets the connection — it has no such connection or something unexpected "
     "arrived. Nobody answers a RST.",
     "RST：{who}重置连接——它没有这个连接，或者收到了意料之外的报文。对 RST 不做任何回应。"},
    {WEIR_MSG_SEG_OTHER,
     "A bare ACK (ack = {ack}); it consumes no sequence number.",
     "一个纯 ACK（ack = {ack}），它不占用序号。"},
    {WEIR_MSG_SEG_RETRANS_TIMER,
     "Retransmission: the {who}'s retransmission timer fired before an ACK came, so it sends the "
     "same seq ({seq}) again — and will wait twice as long next time (exponential backoff).",
     "重传：在收到 ACK 之前{who}的重传计时器超时了，所以它用相同的 seq（{seq}）再发一次——下次"
     "等待的时间加倍（指数退避）。"},
    {WEIR_MSG_SEG_RETRANS_PROBE,
     "Retransmission as a probe: the {who} sends its last segment (seq {seq}) again, so that the "
     "ACK for it shows whether anything before it is missing. No backoff: the retransmission "
     "timer still stands behind it.",
     "作为探测的重传：{who}把最后一个报文段（seq {seq}）再发一次，对方对它的 ACK 会表明前面是否"
     "有缺失。不做退避：重传计时器仍在后面兜底。"},
    {WEIR_MSG_SEG_RETRANS_FAST,
     "Fast retransmission: duplicate ACKs told the {who} this segment was lost, so it sends the "
     "same seq ({seq}) again without waiting for its timer.",
     "快速重传：重复 ACK 告诉{who}这个报文段丢了，所以它不等计时器超时，就用相同的 seq（{seq}）"
     "重发。"},
    {WEIR_MSG_SEG_RETRANS_SYN_AGAIN,
     "Sent again: the {peer}'s SYN came a second time, so its SYN+ACK must have been lost; the "
     "{who} repeats its SYN+ACK (same seq {seq}).",
     "再次发送：{peer}的 SYN 又来了一次，说明 SYN+ACK 丢了；{who}重发它的 SYN+ACK（seq 仍是 "
     "{seq}）。"},
    {WEIR_MSG_SEG_RETRANS_OTHER,
     "Retransmission: these sequence numbers were sent before, and the {who} sends them again "
     "(same seq {seq}).",
     "重传：这些序号以前发送过，{who}再发送一次（seq 仍是 {seq}）。"},

    {WEIR_MSG_FATE_LOST,
     "lost on the link — the {peer} never sees it",
     "在链路上丢失——{peer}永远收不到它"},
    {WEIR_MSG_FATE_QUEUE_DROP,
     "dropped by the link's full queue — the {peer} never sees it",
     "链路队列已满而被丢弃——{peer}收不到它"},
    {WEIR_MSG_FATE_CORRUPT,
     "a bit flips on the link: a checksum will not match and the {peer} will drop it",
     "在链路上有一个比特被翻转：校验和对不上，{peer}会丢弃它"},
    {WEIR_MSG_FATE_DUP,
     "the link duplicates it: the {peer} will receive it twice",
     "链路复制了它：{peer}会收到两次"},
    {WEIR_MSG_FATE_REFUSED,
     "the link refused the frame ({err})",
     "链路拒绝了这个帧（{err}）"},

    {WEIR_MSG_ARRIVE,
     "{who} receives {flags} seq={seq} ack={ack} len={len} ({state})",
     "{who}收到 {flags} seq={seq} ack={ack} len={len}（{state}）"},
    {WEIR_MSG_ARRIVE_OLD_DUP,
     "Already received: an old duplicate. The {who} discards its data and ACKs again what it "
     "really expects next.",
     "已经收到过：这是一个旧的重复报文段。{who}丢弃其中的数据，并再次确认它真正期待的下一个序号。"},
    {WEIR_MSG_ARRIVE_OUT_OF_ORDER,
     "Out of order: something before it is missing. The {who} keeps it and asks again for byte "
     "{exp} with a duplicate ACK.",
     "乱序：它前面的数据还没到。{who}先把它存起来，并用重复 ACK 再次索要第 {exp} 字节。"},
    {WEIR_MSG_ARRIVE_FIN_AGAIN,
     "The FIN arrives again: the {who}'s last ACK must have been lost, and the {peer} "
     "retransmitted its FIN. The {who} is still in TIME-WAIT, so it can still answer.",
     "FIN 又到了：{who}的最后一个 ACK 一定是丢了，于是{peer}重传了 FIN。{who}还在 TIME-WAIT 中，"
     "所以仍然可以应答。"},
    {WEIR_MSG_DROP,
     "{who} drops a frame: {reason}",
     "{who}丢弃了一个帧：{reason}"},
    {WEIR_MSG_DROP_CORRUPT,
     "A corrupted frame is never acknowledged: the sender's timer will fire and it retransmits.",
     "损坏的帧永远不会被确认：发送方的计时器会超时，然后重传。"},

    {WEIR_MSG_STATE_CLOSED,
     "CLOSED: the {who} has no connection any more; everything about it is forgotten.",
     "CLOSED：{who}上已经没有这个连接了，相关的状态全部释放。"},
    {WEIR_MSG_STATE_LISTEN,
     "LISTEN: the {who} waits for a SYN on port {port}.",
     "LISTEN：{who}在 {port} 端口上等待 SYN。"},
    {WEIR_MSG_STATE_SYN_SENT,
     "SYN-SENT: the SYN is out; the {who} waits for the SYN+ACK.",
     "SYN-SENT：SYN 已经发出；{who}等待 SYN+ACK。"},
    {WEIR_MSG_STATE_SYN_RECEIVED,
     "SYN-RECEIVED: a SYN arrived and a SYN+ACK goes back; the {who} waits for the ACK that "
     "completes the handshake.",
     "SYN-RECEIVED：收到了 SYN 并回复 SYN+ACK；{who}等待完成握手的 ACK。"},
    {WEIR_MSG_STATE_ESTABLISHED,
     "ESTABLISHED: the connection is open; data can flow both ways.",
     "ESTABLISHED：连接已经建立，双方都可以发送数据。"},
    {WEIR_MSG_STATE_FIN_WAIT_1,
     "FIN-WAIT-1: the {who} sent its FIN and waits for it to be acknowledged; it can still "
     "receive data.",
     "FIN-WAIT-1：{who}已经发出 FIN，等待对方确认；它仍然可以接收数据。"},
    {WEIR_MSG_STATE_FIN_WAIT_2,
     "FIN-WAIT-2: the {who}'s FIN is acknowledged and its sending side is closed; it waits for "
     "the {peer}'s FIN.",
     "FIN-WAIT-2：{who}的 FIN 已被确认，它的发送方向已经关闭；它等待{peer}的 FIN。"},
    {WEIR_MSG_STATE_CLOSE_WAIT,
     "CLOSE-WAIT: the {peer} will send nothing more; the {who} waits for its own application to "
     "close (it could still send data).",
     "CLOSE-WAIT：{peer}不会再发送数据了；{who}等待自己的应用关闭（它仍然可以继续发送数据）。"},
    {WEIR_MSG_STATE_CLOSING,
     "CLOSING: both sides sent a FIN at the same time; the {who} waits for the ACK of its own FIN.",
     "CLOSING：双方同时发送了 FIN；{who}等待对自己 FIN 的确认。"},
    {WEIR_MSG_STATE_LAST_ACK,
     "LAST-ACK: the {who} sent its FIN after the {peer}'s; when the last ACK arrives the "
     "connection is gone.",
     "LAST-ACK：{who}在{peer}之后发出了 FIN；最后一个 ACK 到达后连接就不存在了。"},
    {WEIR_MSG_STATE_TIME_WAIT,
     "TIME-WAIT: the {who} waits 2·MSL ({tw} s here; 60 s with weir's default MSL of 30 s) before "
     "forgetting the connection. If its last ACK is lost, the {peer} retransmits its FIN and the "
     "{who} must still be able to ACK it; and old duplicate segments of this connection die out "
     "before the same addresses and ports can be used again.",
     "TIME-WAIT：{who}要等待 2·MSL（这里是 {tw} 秒；按 weir 默认的 MSL = 30 秒则是 60 秒）才释放"
     "连接。如果最后的 ACK 丢了，{peer}会重传 FIN，{who}必须还能再次确认；同时也让这个连接的旧的"
     "重复报文段在网络中消失，之后相同的地址和端口才能再次使用。"},

    {WEIR_MSG_TIMER_RETRANSMIT,
     "{who}: the retransmission timer fired — no ACK arrived within the timeout (RTO).",
     "{who}：重传计时器超时——在超时时间（RTO）内没有收到 ACK。"},
    {WEIR_MSG_TIMER_LOSS_PROBE,
     "{who}: the tail loss probe timer fired — no ACK for about two round trips (RFC 8985).",
     "{who}：尾部丢失探测（TLP）计时器到期——大约两个往返时间没有收到 ACK（RFC 8985）。"},
    {WEIR_MSG_TIMER_TIME_WAIT,
     "{who}: the TIME-WAIT timer (2·MSL = {tw} s) expired.",
     "{who}：TIME-WAIT 计时器（2·MSL = {tw} 秒）到期。"},
    {WEIR_MSG_TIMER_DELAYED_ACK,
     "{who}: the delayed-ACK timer fired — no data to carry the ACK, so it goes alone.",
     "{who}：延迟确认计时器到期——没有数据可以捎带 ACK，于是单独发送 ACK。"},
    {WEIR_MSG_TIMER_PERSIST,
     "{who}: the persist timer fired — it probes the peer's zero window.",
     "{who}：坚持计时器到期——探测对方的零窗口。"},
    {WEIR_MSG_TIMER_KEEPALIVE,
     "{who}: the keepalive timer fired.",
     "{who}：保活计时器到期。"},
    {WEIR_MSG_TIMER_OTHER,
     "{who}: the {timer} timer fired.",
     "{who}：{timer} 计时器到期。"},

    {WEIR_MSG_APP_LISTEN,
     "server app: listen() on port {port}",
     "服务器应用：在 {port} 端口调用 listen()"},
    {WEIR_MSG_APP_CONNECT,
     "browser app: connect() to {ip}:{port}",
     "浏览器应用：调用 connect() 连接 {ip}:{port}"},
    {WEIR_MSG_APP_CONNECTED,
     "browser app: connected — send() the HTTP GET request ({n} bytes)",
     "浏览器应用：连接已建立——用 send() 发送 HTTP GET 请求（{n} 字节）"},
    {WEIR_MSG_APP_ACCEPT,
     "server app: accept() — a new connection from {ip}:{port}",
     "服务器应用：accept()——来自 {ip}:{port} 的新连接"},
    {WEIR_MSG_APP_REQUEST,
     "server app: read the request \"{line}\"; send() the response: {n} bytes (headers and a "
     "{m}-byte page)",
     "服务器应用：读到请求“{line}”；用 send() 发送响应：{n} 字节（头部加上 {m} 字节的页面）"},
    {WEIR_MSG_APP_PARTIAL,
     "server app: send() took {n} bytes, {m} still to go — the rest follows when the send buffer "
     "drains (WRITABLE)",
     "服务器应用：send() 接受了 {n} 字节，还剩 {m} 字节——等发送缓冲区腾出空间（WRITABLE）再发"},
    {WEIR_MSG_APP_PAGE_DONE,
     "browser app: the whole page is here ({n} bytes) — close(): the browser is done and closes "
     "first",
     "浏览器应用：整个页面已经收到（{n} 字节）——调用 close()：浏览器用完了，它先关闭"},
    {WEIR_MSG_APP_EOF,
     "server app: recv() returned 0 — end of stream: the browser will send nothing more",
     "服务器应用：recv() 返回 0——数据流结束：浏览器不会再发送数据了"},
    {WEIR_MSG_APP_CLOSE_LATER,
     "server app: it will close() in {ms} ms, after finishing its work — meanwhile the "
     "connection sits in CLOSE-WAIT",
     "服务器应用：处理完手头的工作后，{ms} 毫秒后才调用 close()——在此期间连接停在 CLOSE-WAIT"},
    {WEIR_MSG_APP_CLOSE,
     "server app: close()",
     "服务器应用：调用 close()"},
    {WEIR_MSG_APP_ERROR,
     "{who} app: the connection failed: {err}",
     "{who}应用：连接失败：{err}"},

    {WEIR_MSG_NOTE_THIRD_SEQ,
     "Some notes write the third handshake segment as seq = x. It is seq = x+1: number x was "
     "used by the SYN.",
     "有的笔记把第三次握手写成 seq = x。实际上是 seq = x+1：序号 x 已经被 SYN 用掉了。"},
    {WEIR_MSG_NOTE_ACK_RULE,
     "\"ack = seq + 1\" holds only for SYN and FIN, which consume one sequence number each. For "
     "data, ack = seq + len; a bare ACK consumes nothing and is never acknowledged itself.",
     "“ack = seq + 1” 只对 SYN 和 FIN 成立，因为它们各占用一个序号。对数据来说 ack = seq + len；"
     "纯 ACK 不占用序号，它本身也不会被确认。"},
    {WEIR_MSG_NOTE_FIN_MEANING,
     "A FIN does not mean \"that was my request, now prepare the answer\": the request and the "
     "whole page were exchanged before anyone closed. A FIN only says \"I will send nothing "
     "more\", and the ACK for it only says \"got your FIN\".",
     "FIN 并不表示“请求发完了，请准备响应”：请求和整个页面在任何一方关闭之前就已经传完了。FIN "
     "只表示“我不会再发送数据了”，对它的 ACK 也只表示“收到你的 FIN 了”。"},
    {WEIR_MSG_NOTE_LAST_SEQ,
     "Some notes give the last ACK a seq taken from the {peer}'s numbers (seq = m+1). Each side "
     "numbers only its own bytes: the last ACK carries the {who}'s own seq, its FIN's seq + 1 "
     "(relative {seq}).",
     "有的笔记把最后一个 ACK 的 seq 写成由{peer}的序号推出来的值（seq = m+1）。双方各自只给自己"
     "发送的字节编号：最后一个 ACK 携带的是{who}自己的序号，即它的 FIN 的 seq + 1"
     "（相对值 {seq}）。"},

    {WEIR_MSG_SUM_TITLE, "Summary", "小结"},
    {WEIR_MSG_SUM_SEGMENTS_LBL, "segments", "报文段"},
    {WEIR_MSG_SUM_SEGMENTS,
     "{b} browser → server, {s} server → browser",
     "浏览器 → 服务器 {b} 个，服务器 → 浏览器 {s} 个"},
    {WEIR_MSG_SUM_RETRANS_LBL, "retransmissions", "重传"},
    {WEIR_MSG_SUM_RETRANS,
     "{b} by the browser, {s} by the server",
     "浏览器 {b} 次，服务器 {s} 次"},
    {WEIR_MSG_SUM_LINK_LBL, "link", "链路"},
    {WEIR_MSG_SUM_LINK,
     "{sent} frames sent, {lost} lost, {corrupt} corrupted, {dup} duplicated",
     "共发送 {sent} 帧，丢失 {lost} 帧，损坏 {corrupt} 帧，重复 {dup} 帧"},
    {WEIR_MSG_SUM_BYTES_LBL, "bytes", "字节"},
    {WEIR_MSG_SUM_BYTES,
     "request {req}, response {resp} (page {page}); {wire} payload bytes on the wire, "
     "retransmissions included",
     "请求 {req}，响应 {resp}（页面 {page}）；含重传在内，线路上共传送 {wire} 字节数据"},
    {WEIR_MSG_SUM_TIME_LBL, "virtual time", "虚拟时间"},
    {WEIR_MSG_SUM_TIME,
     "{ms} ms, TIME-WAIT's {tw} s included (and no real time spent waiting)",
     "{ms} 毫秒，包括 {tw} 秒的 TIME-WAIT（实际上没有花任何时间等待）"},
    {WEIR_MSG_SUM_STATES_LBL, "{who} states", "{who}状态"},
    {WEIR_MSG_SUM_PCAP_LBL, "capture", "抓包"},
    {WEIR_MSG_SUM_PCAP,
     "{file}: {n} frames as sent (open it with Wireshark or tshark -r)",
     "{file}：按发送记录的 {n} 帧（可用 Wireshark 或 tshark -r 打开）"},
    {WEIR_MSG_VERDICT_OK,
     "OK: the page arrived intact — {n} bytes, byte for byte what the server sent.",
     "成功：页面完整到达——{n} 字节，与服务器发送的内容逐字节相同。"},
    {WEIR_MSG_VERDICT_FAIL, "FAIL: {reason}", "失败：{reason}"},
    {WEIR_MSG_FAIL_TIMEOUT,
     "the demo did not finish within {limit} minutes of virtual time",
     "演示没有在 {limit} 分钟的虚拟时间内完成"},
    {WEIR_MSG_FAIL_STUCK,
     "everything went quiet with the {who}'s connection still in {state}",
     "一切都停了下来，但{who}的连接仍处于 {state}"},
    {WEIR_MSG_FAIL_CLOSE_TIMEOUT,
     "the page arrived intact, but after {limit} minutes of virtual time the {who} was still in "
     "{state}",
     "页面完整到达，但 {limit} 分钟的虚拟时间过后，{who}仍处于 {state}"},
    {WEIR_MSG_FAIL_CONNECT,
     "the browser's connection failed: {err}",
     "浏览器的连接失败：{err}"},
    {WEIR_MSG_FAIL_SERVER,
     "the server's connection failed: {err}",
     "服务器的连接失败：{err}"},
    {WEIR_MSG_FAIL_EARLY_EOF,
     "the connection ended after {n} of {m} page bytes",
     "连接在收到页面的 {m} 字节中的 {n} 字节后就结束了"},
    {WEIR_MSG_FAIL_MISMATCH,
     "the page differs from what the server sent, first at byte {n}",
     "页面与服务器发送的内容不同，第一个不同在第 {n} 字节"},
    {WEIR_MSG_FAIL_BAD_RESPONSE,
     "the response is not an HTTP 200 with a Content-Length",
     "响应不是带 Content-Length 的 HTTP 200"},
    {WEIR_MSG_FAIL_NO_PAGE,
     "no page arrived",
     "没有收到页面"},
    {WEIR_MSG_FAIL_SETUP,
     "could not set up the demo: {err}",
     "无法搭建演示环境：{err}"},
    {WEIR_MSG_FAIL_PCAP,
     "could not write the capture: {err}",
     "无法写入抓包文件：{err}"},
};
/* clang-format on */

_Static_assert(sizeof k_rows / sizeof k_rows[0] == WEIR_MSG_COUNT,
               "every narration message needs exactly one row with both languages");

/* Drop reasons in Chinese. Built from the library's own X-macro, so a reason added there without
 * a ZH_DROP_<NAME> here is a compile error. */
#define ZH_DROP_FRAME_EMPTY "空帧"
#define ZH_DROP_FRAME_TOO_BIG "帧超过了 IPv4 数据报的最大长度"
#define ZH_DROP_BAD_NETIF "来自未知接口的帧"
#define ZH_DROP_ETH_TRUNCATED "以太网帧比它的首部还短"
#define ZH_DROP_ETH_NOT_FOR_US "以太网目的地址不是本机"
#define ZH_DROP_ETH_UNKNOWN_TYPE "未知的 EtherType"
#define ZH_DROP_ARP_MALFORMED "格式错误的 ARP 报文"
#define ZH_DROP_ARP_NOT_FOR_US "与本机无关的 ARP 报文"
#define ZH_DROP_ARP_BAD_SENDER "ARP 发送方冒用本机地址或使用组播硬件地址"
#define ZH_DROP_ARP_QUEUE_FULL "等待同一个 ARP 应答的报文太多，丢弃"
#define ZH_DROP_ARP_TABLE_FULL "邻居表已被待解析条目占满，丢弃"
#define ZH_DROP_ARP_UNRESOLVED "下一跳始终没有回应 ARP，丢弃"
#define ZH_DROP_IP_NO_ROUTE "没有到目的地址的路由"
#define ZH_DROP_IP_TRUNCATED "IPv4 报文比它的首部还短"
#define ZH_DROP_IP_BAD_VERSION "IP 版本不是 4"
#define ZH_DROP_IP_BAD_HEADER_LEN "IPv4 首部长度超出范围"
#define ZH_DROP_IP_BAD_TOTAL_LEN "IPv4 总长度与帧长度不符"
#define ZH_DROP_IP_BAD_CHECKSUM "IPv4 首部校验和错误"
#define ZH_DROP_IP_BAD_SOURCE "IPv4 源地址是广播、组播、保留、环回或本机地址"
#define ZH_DROP_IP_NOT_FOR_US "IPv4 目的地址不是本机"
#define ZH_DROP_IP_FRAGMENT "IPv4 分片（重组已关闭）"
#define ZH_DROP_IP_FRAG_INVALID "长度或偏移错误、或与其他分片矛盾的 IPv4 分片"
#define ZH_DROP_IP_FRAG_TABLE_FULL "重组表已满时到达的新数据报分片"
#define ZH_DROP_IP_FRAG_TIMEOUT "IPv4 数据报未能及时重组"
#define ZH_DROP_IP_UNKNOWN_PROTOCOL "不支持的 IP 协议"
#define ZH_DROP_ICMP_MALFORMED "格式错误的 ICMP 报文"
#define ZH_DROP_ICMP_BAD_CHECKSUM "ICMP 校验和错误"
#define ZH_DROP_ICMP_UNHANDLED "不处理的 ICMP 类型"
#define ZH_DROP_UDP_MALFORMED "格式错误的 UDP 数据报"
#define ZH_DROP_UDP_BAD_CHECKSUM "UDP 校验和错误"
#define ZH_DROP_UDP_NO_SOCKET "发往未打开端口的 UDP 数据报"
#define ZH_DROP_UDP_RCVBUF_FULL "UDP 或 ping 套接字的接收队列已满"
#define ZH_DROP_ICMP_ERROR_UNMATCHED "ICMP 差错报文引用的不是本机的报文"
#define ZH_DROP_ICMP_ERROR_BAD_QUOTE "ICMP 差错报文引用的首部过短或无效"
#define ZH_DROP_TCP_TRUNCATED "TCP 报文段比它的首部还短"
#define ZH_DROP_TCP_BAD_HEADER_LEN "TCP 数据偏移超出范围"
#define ZH_DROP_TCP_BAD_CHECKSUM "TCP 校验和错误"
#define ZH_DROP_TCP_BAD_OPTION "格式错误的 TCP 选项"
#define ZH_DROP_TCP_BAD_PORT "TCP 端口为零"
#define ZH_DROP_TCP_BAD_FLAGS "不可能出现的 TCP 标志组合"
#define ZH_DROP_TCP_NO_SOCKET "发往未打开端口的 TCP 报文段"
#define ZH_DROP_TCP_LISTEN_RST "发给监听套接字的 RST"
#define ZH_DROP_TCP_LISTEN_NO_SYN "发给监听套接字、不带 SYN 的报文段"
#define ZH_DROP_TCP_LISTEN_OVERFLOW "监听队列或连接表已满"
#define ZH_DROP_TCP_SYN_SENT_BAD_ACK "SYN-SENT 状态下不可接受的 ACK"
#define ZH_DROP_TCP_SYN_SENT_NO_SYN "SYN-SENT 状态下既没有 SYN 也没有 RST 的报文段"
#define ZH_DROP_TCP_RST_UNACCEPTABLE "接收窗口之外的 RST"
#define ZH_DROP_TCP_RST_CHALLENGED "窗口内的 RST，以挑战 ACK 回应"
#define ZH_DROP_TCP_RST_TIME_WAIT "TIME-WAIT 中忽略 RST（RFC 1337）"
#define ZH_DROP_TCP_SYN_CHALLENGED "已同步状态下的 SYN，以挑战 ACK 回应"
#define ZH_DROP_TCP_SEQ_UNACCEPTABLE "报文段在接收窗口之外"
#define ZH_DROP_TCP_NO_ACK "已同步状态下不带 ACK 的报文段"
#define ZH_DROP_TCP_ACK_UNACCEPTABLE "ACK 超出了可接受的范围"
#define ZH_DROP_TCP_ACK_UNSENT "确认了尚未发送的数据"
#define ZH_DROP_TCP_DATA_AFTER_FIN "对方 FIN 之后的数据"
#define ZH_DROP_TCP_DATA_AFTER_CLOSE "发给已被应用关闭的套接字的数据"
#define ZH_DROP_TCP_OOO_FULL "乱序数据超出了能保存的范围"
#define ZH_DROP_TCP_PAWS "时间戳比上一个还旧的报文段（PAWS，RFC 7323 §5）"
#define ZH_DROP_TCP_NO_TSOPT "连接协商了时间戳，报文段却没有带（RFC 7323 §3.2）"
#define ZH_DROP_TCP_SYN_FIN "同时带有 SYN 和 FIN 的报文段（drop_synfin）"

static const char *const k_drop_zh[WEIR_DROP_COUNT] = {
#define ZH_DROP_ROW(name, desc) [WEIR_DROP_##name] = ZH_DROP_##name,
    WEIR_DROP_TABLE(ZH_DROP_ROW)
#undef ZH_DROP_ROW
};

static const weir_cli_msg k_state_msg[WEIR_TCP_STATE_COUNT] = {
    [WEIR_TCP_CLOSED] = WEIR_MSG_STATE_CLOSED,
    [WEIR_TCP_LISTEN] = WEIR_MSG_STATE_LISTEN,
    [WEIR_TCP_SYN_SENT] = WEIR_MSG_STATE_SYN_SENT,
    [WEIR_TCP_SYN_RECEIVED] = WEIR_MSG_STATE_SYN_RECEIVED,
    [WEIR_TCP_ESTABLISHED] = WEIR_MSG_STATE_ESTABLISHED,
    [WEIR_TCP_FIN_WAIT_1] = WEIR_MSG_STATE_FIN_WAIT_1,
    [WEIR_TCP_FIN_WAIT_2] = WEIR_MSG_STATE_FIN_WAIT_2,
    [WEIR_TCP_CLOSE_WAIT] = WEIR_MSG_STATE_CLOSE_WAIT,
    [WEIR_TCP_CLOSING] = WEIR_MSG_STATE_CLOSING,
    [WEIR_TCP_LAST_ACK] = WEIR_MSG_STATE_LAST_ACK,
    [WEIR_TCP_TIME_WAIT] = WEIR_MSG_STATE_TIME_WAIT,
};

int weir_cli_text_check(void)
{
    for (int i = 0; i < (int)WEIR_MSG_COUNT; i++) {
        const text_row *r = &k_rows[i];
        if ((int)r->id != i || r->en == NULL || r->zh == NULL || r->en[0] == '\0' ||
            r->zh[0] == '\0')
            return i;
    }
    for (int i = 0; i < (int)WEIR_DROP_COUNT; i++)
        if (k_drop_zh[i] == NULL)
            return (int)WEIR_MSG_COUNT + i;
    return -1;
}

const char *weir_cli_text(weir_cli_lang lang, weir_cli_msg id)
{
    if ((int)id < 0 || id >= WEIR_MSG_COUNT)
        return "?";
    return lang == WEIR_LANG_ZH ? k_rows[id].zh : k_rows[id].en;
}

const char *weir_cli_drop_text(weir_cli_lang lang, weir_drop_reason r)
{
    if (lang == WEIR_LANG_ZH && (int)r >= 0 && r < WEIR_DROP_COUNT)
        return k_drop_zh[r];
    return weir_drop_desc(r);
}

weir_cli_msg weir_cli_state_msg(weir_tcp_state s)
{
    if ((int)s < 0 || s >= WEIR_TCP_STATE_COUNT)
        return WEIR_MSG_STATE_CLOSED;
    return k_state_msg[s];
}

/* ---- variables and expansion ---------------------------------------------------------------- */

void weir_cli_vars_str(weir_cli_vars *vs, const char *name, const char *value)
{
    for (int i = 0; i < vs->count; i++) {
        if (strcmp(vs->v[i].name, name) == 0) {
            snprintf(vs->v[i].value, sizeof vs->v[i].value, "%s", value);
            return;
        }
    }
    if (vs->count >= WEIR_CLI_VARS_MAX)
        return;
    weir_cli_var *v = &vs->v[vs->count++];
    v->name = name;
    snprintf(v->value, sizeof v->value, "%s", value);
}

void weir_cli_vars_u64(weir_cli_vars *vs, const char *name, uint64_t value)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, value);
    weir_cli_vars_str(vs, name, buf);
}

static const char *var_lookup(const weir_cli_vars *vs, const char *name, size_t len)
{
    if (vs == NULL)
        return NULL;
    for (int i = 0; i < vs->count; i++)
        if (strlen(vs->v[i].name) == len && memcmp(vs->v[i].name, name, len) == 0)
            return vs->v[i].value;
    return NULL;
}

/* A writer that never overflows and never cuts a UTF-8 sequence in half. */
typedef struct out_buf {
    char *p;
    size_t cap, len;
} out_buf;

static void out_append(out_buf *o, const char *s, size_t n)
{
    if (o->len + 1 >= o->cap)
        return;
    size_t room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* s[n] would start the part we cut: back up to a character boundary */
        o->cap = o->len + n + 1; /* full: nothing after a cut, so no text runs on mid-word */
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

void weir_cli_text_expand(weir_cli_lang lang, weir_cli_msg id, const weir_cli_vars *vs, char *out,
                          size_t cap)
{
    if (out == NULL || cap == 0)
        return;
    out[0] = '\0';
    out_buf o = {out, cap, 0};
    const char *t = weir_cli_text(lang, id);
    while (*t != '\0') {
        const char *open = strchr(t, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (open == NULL || close == NULL) {
            out_append(&o, t, strlen(t));
            break;
        }
        out_append(&o, t, (size_t)(open - t));
        const char *val = var_lookup(vs, open + 1, (size_t)(close - open - 1));
        if (val != NULL)
            out_append(&o, val, strlen(val));
        else
            out_append(&o, open, (size_t)(close - open + 1));
        t = close + 1;
    }
}
