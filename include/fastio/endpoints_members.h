/* fastio/endpoints_members.h - endpoint rows for members, invitations, ownership transfer, events and activity (api §3.2, §3.3, §3.5, §9.4, §9.5).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST. */
#ifndef FASTIO_ENDPOINTS_MEMBERS_H
#define FASTIO_ENDPOINTS_MEMBERS_H

#define FASTIO_ENDPOINTS_MEMBERS(X)

#endif
