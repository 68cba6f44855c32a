package delegation

// Action is an administrative action on a Microsoft 365 user that a
// delegated administrator may be granted.
type Action string

// The action catalog. Each later becomes one or more Graph (or Exchange
// Online) calls; Authorize is checked first for every one.
const (
	ActCreateUser       Action = "user.create"
	ActUpdateUser       Action = "user.update" // other profile fields: names, job title, office, address, company
	ActBlockSignIn      Action = "user.block_sign_in"
	ActUnblockSignIn    Action = "user.unblock_sign_in"
	ActDeleteUser       Action = "user.delete"
	ActRestoreUser      Action = "user.restore"
	ActResetPassword    Action = "user.reset_password"
	ActRevokeSessions   Action = "user.revoke_sessions"
	ActSetManager       Action = "user.set_manager"
	ActSetUsageLocation Action = "user.set_usage_location"
	ActSetDepartment    Action = "user.set_department"
	ActAssignLicence    Action = "licence.assign"
	ActRemoveLicence    Action = "licence.remove"
	ActAddToGroup       Action = "group.add_member"
	ActRemoveFromGroup  Action = "group.remove_member"
	ActSetAutoReply     Action = "mailbox.set_auto_reply"
	ActSetAliases       Action = "mailbox.set_aliases"
	ActSetForwarding    Action = "mailbox.set_forwarding"
)

// ActionInfo describes an action for policy editors and the API.
type ActionInfo struct {
	Key         Action `json:"key"`
	Description string `json:"description"`
	// NeedsExchange: the action goes through Exchange Online, so the
	// connection must have Exchange Online management connected.
	NeedsExchange bool `json:"needs_exchange_online"`
}

var catalog = []ActionInfo{
	{ActCreateUser, "Create users (the new user must fall into one of the administrator's OUs)", false},
	{ActUpdateUser, "Change other profile fields: names, job title, company, office, address, phone", false},
	{ActBlockSignIn, "Block sign-in", false},
	{ActUnblockSignIn, "Unblock sign-in", false},
	{ActDeleteUser, "Delete users", false},
	{ActRestoreUser, "Restore deleted users", false},
	{ActResetPassword, "Reset passwords", false},
	{ActRevokeSessions, "Revoke sign-in sessions", false},
	{ActSetManager, "Set the manager", false},
	{ActSetUsageLocation, "Set the usage location", false},
	{ActSetDepartment, "Set the department", false},
	{ActAssignLicence, "Assign licences (within the OU's licence policies)", false},
	{ActRemoveLicence, "Remove licences", false},
	{ActAddToGroup, "Add to groups", false},
	{ActRemoveFromGroup, "Remove from groups", false},
	{ActSetAutoReply, "Set the out-of-office reply", true},
	{ActSetAliases, "Set mailbox aliases", true},
	{ActSetForwarding, "Set mailbox forwarding", true},
}

// Actions returns the catalog in a stable order.
func Actions() []ActionInfo { return append([]ActionInfo(nil), catalog...) }

// Info returns the catalog entry of a, and whether a is in the catalog.
func (a Action) Info() (ActionInfo, bool) {
	for _, i := range catalog {
		if i.Key == a {
			return i, true
		}
	}
	return ActionInfo{}, false
}

// ActionKeys lists every action key, for schema enums.
func ActionKeys() []string {
	out := make([]string, len(catalog))
	for i, a := range catalog {
		out[i] = string(a.Key)
	}
	return out
}
